"""The configuration table of the README, generated from the settings classes so it cannot drift."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from services.common.settings import ServiceSettings
from services.integrations.settings import IntegrationsSettings
from services.notify.settings import NotifySettings
from services.order_confirm.settings import OrderConfirmSettings

SERVICE_SETTINGS: dict[str, type[BaseSettings]] = {
    "order_confirm": OrderConfirmSettings,
    "integrations": IntegrationsSettings,
    "notify": NotifySettings,
}


def environment_names() -> list[tuple[str, str, str]]:
    """(variable, default, description) for the shared settings, then each service's own."""
    rows = [
        (f"OKNO_{name.upper()}", repr(field.default), field.description or "")
        for name, field in ServiceSettings.model_fields.items()
    ]
    for settings in SERVICE_SETTINGS.values():
        prefix = str(settings.model_config.get("env_prefix", ""))
        for name, field in settings.model_fields.items():
            if name in ServiceSettings.model_fields:
                continue
            rows.append((f"{prefix}{name.upper()}", repr(field.default), field.description or ""))
    return rows


def markdown_table() -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | `{default}` | {description} |" for name, default, description in environment_names()]
    return "\n".join(lines)
