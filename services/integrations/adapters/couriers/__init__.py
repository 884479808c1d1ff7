"""Courier adapters; `courier_for` is the only place that knows the providers."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from services.integrations.adapters.couriers.base import Courier
from services.integrations.adapters.couriers.config import CdekConfig, CourierConfig, OwnCourierConfig

_CONFIG: TypeAdapter[OwnCourierConfig | CdekConfig] = TypeAdapter(CourierConfig)


def parse_config(provider: str, settings: dict[str, Any]) -> OwnCourierConfig | CdekConfig:
    return _CONFIG.validate_python({**settings, "provider": provider})


def courier_for(config: OwnCourierConfig | CdekConfig) -> Courier:
    if isinstance(config, CdekConfig):
        from services.integrations.adapters.couriers.cdek import CdekCourier

        return CdekCourier(config)
    from services.integrations.adapters.couriers.own import OwnCourier

    return OwnCourier(config)
