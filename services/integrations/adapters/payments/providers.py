"""Which payment adapter serves a tenant's setup: the only module that imports a provider module."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from services.integrations.adapters.payments.base import PaymentEvents, PaymentProvider
from services.integrations.adapters.payments.config import PaymentConfig, StripeConfig, YooKassaConfig

AnyPaymentConfig = YooKassaConfig | StripeConfig
_CONFIG: TypeAdapter[AnyPaymentConfig] = TypeAdapter(PaymentConfig)


def parse_config(provider: str, settings: dict[str, Any]) -> AnyPaymentConfig:
    """The typed configuration of `provider` (pydantic ValidationError when `settings` do not fit it)."""
    return _CONFIG.validate_python({**settings, "provider": provider})


def provider_for(config: AnyPaymentConfig) -> PaymentProvider:
    if isinstance(config, StripeConfig):
        from services.integrations.adapters.payments.stripe import StripeCheckout

        return StripeCheckout(config)
    from services.integrations.adapters.payments.yookassa import YooKassa

    return YooKassa(config)


def payment_events_for(config: AnyPaymentConfig) -> PaymentEvents:
    """The reader of the provider's notifications (the `sandbox` provider speaks YooKassa's)."""
    if isinstance(config, StripeConfig):
        from services.integrations.adapters.payments.stripe import StripeEvents

        return StripeEvents(config)
    from services.integrations.adapters.payments.yookassa import YooKassaEvents

    return YooKassaEvents(config)
