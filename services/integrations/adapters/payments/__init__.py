"""Payment providers; `provider_for` is the only place that knows them."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from services.integrations.adapters.payments.base import PaymentProvider
from services.integrations.adapters.payments.config import PaymentConfig, StripeConfig, YooKassaConfig

_CONFIG: TypeAdapter[YooKassaConfig | StripeConfig] = TypeAdapter(PaymentConfig)


def parse_config(provider: str, settings: dict[str, Any]) -> YooKassaConfig | StripeConfig:
    return _CONFIG.validate_python({**settings, "provider": provider})


def provider_for(config: YooKassaConfig | StripeConfig) -> PaymentProvider:
    if isinstance(config, StripeConfig):
        from services.integrations.adapters.payments.stripe import StripeCheckout

        return StripeCheckout(config)
    from services.integrations.adapters.payments.yookassa import YooKassa

    return YooKassa(config)
