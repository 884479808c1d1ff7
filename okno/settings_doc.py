"""The configuration table of the README, generated from the settings classes so it cannot drift."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from okno.registry import SERVICES
from services.common.settings import ServiceSettings


def _default(value: Any) -> str:
    return repr(value.get_secret_value() if isinstance(value, SecretStr) else value)


def environment_names() -> list[tuple[str, str, str]]:
    """(variable, default, description) for the shared settings, then each service's own."""
    rows = [
        (f"OKNO_{name.upper()}", _default(field.default), field.description or "")
        for name, field in ServiceSettings.model_fields.items()
    ]
    for settings in (service.settings for service in SERVICES.values()):
        prefix = str(settings.model_config.get("env_prefix", ""))
        for name, field in settings.model_fields.items():
            if name in ServiceSettings.model_fields:
                continue
            rows.append((f"{prefix}{name.upper()}", _default(field.default), field.description or ""))
    return rows


def markdown_table() -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | `{default}` | {description} |" for name, default, description in environment_names()]
    return "\n".join(lines)
