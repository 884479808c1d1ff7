"""The public API contracts are committed; an unreviewed change to any of them fails here."""

from __future__ import annotations

import json

import pytest

from okno.openapi import OPENAPI_DIR, current_documents, render


@pytest.mark.parametrize("service", ["order_confirm", "integrations", "notify"])
def test_served_openapi_matches_the_committed_copy(service: str) -> None:
    committed = OPENAPI_DIR / f"{service}.json"
    assert committed.exists(), "run `okno openapi write` and commit contracts/openapi/"
    served = current_documents()[service]
    assert render(served) == committed.read_text(encoding="utf-8"), (
        f"the {service} API changed: review it, then run `okno openapi write` and commit the new copy"
    )
    assert json.loads(committed.read_text())["openapi"].startswith("3.")
