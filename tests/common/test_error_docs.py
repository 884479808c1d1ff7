"""docs/errors.md lists every problem code a service can answer, so a client can branch on any of them."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import contracts
import services
from services.common.outages import BUSY, UNAVAILABLE
from services.common.problems import HTTP_ERROR_CODES, DomainError

ROOT = Path(__file__).resolve().parents[2]
# Codes that are not a DomainError class of their own.
OTHER_CODES = {
    *HTTP_ERROR_CODES.values(),
    "invalid_json",
    "json_too_deep",
    "json_number_too_long",
    "json_number_out_of_range",
    "unstorable_value",
    "validation_failed",
    "internal_error",
    UNAVAILABLE.code,
    BUSY.code,
}


def every_domain_error_code() -> set[str]:
    for package in (services, contracts):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    codes: set[str] = set()
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        error = pending.pop()
        if error.__module__.startswith(("services.", "contracts.")):  # not the tests' own examples
            codes.add(error.code)
        pending.extend(error.__subclasses__())
    return codes


def test_every_problem_code_is_documented() -> None:
    catalogue = (ROOT / "docs" / "errors.md").read_text()
    missing = sorted(code for code in every_domain_error_code() | OTHER_CODES if f"`{code}`" not in catalogue)
    assert missing == [], f"add these codes to the table in docs/errors.md: {missing}"
