"""Which courier adapter serves a tenant's setup: the only module that imports a courier module."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from services.integrations.adapters.couriers.base import Courier, CourierEvents
from services.integrations.adapters.couriers.config import CdekConfig, CourierConfig, OwnCourierConfig

AnyCourierConfig = OwnCourierConfig | CdekConfig
_CONFIG: TypeAdapter[AnyCourierConfig] = TypeAdapter(CourierConfig)


def parse_config(provider: str, settings: dict[str, Any]) -> AnyCourierConfig:
    """The typed configuration of `provider` (pydantic ValidationError when `settings` do not fit it)."""
    return _CONFIG.validate_python({**settings, "provider": provider})


def courier_for(config: AnyCourierConfig) -> Courier:
    if isinstance(config, CdekConfig):
        from services.integrations.adapters.couriers.cdek import CdekCourier

        return CdekCourier(config)
    from services.integrations.adapters.couriers.own import OwnCourier

    return OwnCourier(config)


def courier_events_for(courier: str) -> CourierEvents | None:
    """The reader of `courier`'s webhooks (`/v1/couriers/{tenant}/{courier}`); None for a courier without any.

    Chosen by name, not by the tenant's setup: the webhook names its courier, and reading it needs no secret.
    """
    if courier == "cdek":
        from services.integrations.adapters.couriers.cdek import CdekEvents

        return CdekEvents()
    return None
