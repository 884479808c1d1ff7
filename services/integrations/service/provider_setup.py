"""Each tenant's courier and payment-provider setup: saved validated, read back typed.

Credentials stay in integrations; nothing here is ever returned to order_confirm.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from services.common.capabilities import Capabilities
from services.common.problems import Unprocessable
from services.integrations.adapters.couriers import providers as couriers
from services.integrations.adapters.couriers.providers import AnyCourierConfig
from services.integrations.adapters.payments import providers as payments
from services.integrations.adapters.payments.providers import AnyPaymentConfig
from services.integrations.models import CourierSetup, PaymentSetup
from services.integrations.sandboxes import require_sandbox_payments


class SameDayNotConfigured(Unprocessable):
    code, title = "same_day_not_configured", "Same-day delivery is not set up for this shop"


class PaymentsNotConfigured(Unprocessable):
    code, title = "payments_not_configured", "Payment links are not set up for this shop"


def configure_courier(session: Session, tenant: str, provider: str, settings: dict[str, Any], *, now: datetime) -> None:
    try:
        couriers.parse_config(provider, settings)
    except ValidationError as error:
        raise Unprocessable(f"Invalid {provider} courier settings: {error}") from None
    row = session.exec(select(CourierSetup).where(CourierSetup.tenant == tenant)).first()
    row = row or CourierSetup(tenant=tenant, provider=provider, updated_at=now)
    row.provider, row.settings, row.updated_at = provider, settings, now
    session.add(row)


def configure_payments(
    session: Session,
    tenant: str,
    provider: str,
    settings: dict[str, Any],
    *,
    link_ttl_minutes: int,
    now: datetime,
    capabilities: Capabilities,
) -> None:
    require_sandbox_payments(capabilities, provider)
    if not 1 <= link_ttl_minutes <= 24 * 60:
        raise Unprocessable("A payment link lives between 1 minute and 24 hours.")
    try:
        payments.parse_config(provider, settings)
    except ValidationError as error:
        raise Unprocessable(f"Invalid {provider} payment settings: {error}") from None
    row = session.exec(select(PaymentSetup).where(PaymentSetup.tenant == tenant)).first()
    row = row or PaymentSetup(tenant=tenant, provider=provider, updated_at=now)
    row.provider, row.settings, row.link_ttl_minutes, row.updated_at = provider, settings, link_ttl_minutes, now
    session.add(row)


def courier_config(session: Session, tenant: str) -> AnyCourierConfig:
    row = session.exec(select(CourierSetup).where(CourierSetup.tenant == tenant)).first()
    if row is None:
        raise SameDayNotConfigured(f"No courier is set up for {tenant}.")
    return couriers.parse_config(row.provider, row.settings)


def payment_setup(session: Session, tenant: str, capabilities: Capabilities) -> tuple[AnyPaymentConfig, int]:
    """The provider configuration and the link lifetime in minutes (503 for a sandbox setup outside sandboxes)."""
    row = session.exec(select(PaymentSetup).where(PaymentSetup.tenant == tenant)).first()
    if row is None:
        raise PaymentsNotConfigured(f"No payment provider is set up for {tenant}.")
    require_sandbox_payments(capabilities, row.provider)
    return payments.parse_config(row.provider, row.settings), row.link_ttl_minutes
