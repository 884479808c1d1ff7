"""docker-compose.yml cannot run here (no Docker engine), so its structure is checked instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from services.integrations.settings import IntegrationsSettings
from services.notify.settings import NotifySettings
from services.order_confirm.settings import OrderConfirmSettings

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {"serve", "worker", "scheduler", "migrate", "check"}


def _compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def _known_environment_variables() -> set[str]:
    """Every name a service reads: its own prefix, or the shared OKNO_ fallback."""
    names: set[str] = set()
    for settings in (OrderConfirmSettings, IntegrationsSettings, NotifySettings):
        prefix = str(settings.model_config.get("env_prefix", ""))
        for field in settings.model_fields:
            names.add(f"{prefix}{field}".upper())
            names.add(f"OKNO_{field}".upper())
    return names


def test_every_container_has_a_healthcheck() -> None:
    services = _compose()["services"]
    assert {"postgres", "redis", "scheduler"} <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no healthcheck"
        assert service["healthcheck"]["test"], name


def test_one_api_and_one_worker_container_per_service() -> None:
    services = _compose()["services"]
    for service in ("order-confirm", "integrations", "notify"):
        assert "okno serve" in " ".join(services[f"{service}-api"]["command"])
        assert services[f"{service}-worker"]["command"][:2] == ["okno", "worker"]


def test_every_environment_variable_set_for_okno_is_a_real_setting() -> None:
    known = _known_environment_variables()
    assert "OKNO_DATABASE_URL" in known and "OKNO_ORDER_CONFIRM_JWT_SECRET" in known
    for name, service in _compose()["services"].items():
        if not str(service.get("image", "")).startswith("okno"):
            continue  # postgres, redis, monitoring: not ours
        for variable in service.get("environment", {}):
            assert variable in known, f"{name} sets {variable}, which no service reads"


def test_containers_run_real_okno_commands() -> None:
    from okno.cli import app

    registered = {command.name or command.callback.__name__ for command in app.registered_commands}  # type: ignore[union-attr]
    assert registered >= COMMANDS
