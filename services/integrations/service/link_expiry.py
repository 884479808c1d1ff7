"""Links that outlive their time expire and give their slot back, unless the provider says they were paid."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlmodel import Session, col, select

from contracts.payments import PaymentLinkStatus
from services.common.capabilities import CapabilityNotConfigured
from services.common.db import transaction
from services.integrations.adapters.payments.base import PaymentProviderError
from services.integrations.adapters.payments.providers import provider_for
from services.integrations.models import PaymentLink
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.link_status import change_status
from services.integrations.service.provider_setup import PaymentsNotConfigured, payment_setup

log = structlog.get_logger(__name__)
_OPEN = ("pending", "created", "sent", "opened")


def expire_due_links(runtime: IntegrationsRuntime, *, limit: int = 100) -> int:
    """Expire links past `expires_at`; returns how many changed. A paid one found on the way is marked paid."""
    now = runtime.clock()
    with Session(runtime.engine) as session:
        due = session.exec(
            select(PaymentLink.id, PaymentLink.tenant, PaymentLink.provider_payment_id)
            .where(col(PaymentLink.status).in_(_OPEN), PaymentLink.expires_at <= now)
            .order_by(col(PaymentLink.expires_at))
            .limit(limit)
        ).all()
    changed = 0
    for link_id, tenant, payment_id in due:
        paid_at = _paid_at_provider(runtime, tenant, payment_id)
        with transaction(runtime.engine) as session:
            link = session.get(PaymentLink, link_id)
            if link is None:
                continue
            if paid_at is not None:
                changed += change_status(runtime, session, link, PaymentLinkStatus.PAID, paid_at=paid_at)
            else:
                changed += change_status(runtime, session, link, PaymentLinkStatus.EXPIRED, reason="expired")
    return changed


def _paid_at_provider(runtime: IntegrationsRuntime, tenant: str, payment_id: str | None) -> datetime | None:
    """A webhook may be late or lost: before expiring, ask the provider whether the customer paid."""
    if payment_id is None:
        return None
    try:
        with Session(runtime.engine) as session:
            config, _ = payment_setup(session, tenant, runtime.capabilities)
        payment = provider_for(config).fetch_payment(payment_id)
    except (PaymentProviderError, PaymentsNotConfigured, CapabilityNotConfigured) as error:
        log.warning("payment_link.expiry_check_failed", tenant=tenant, payment_id=payment_id, error=repr(error))
        return None
    if payment.status != "succeeded":
        return None
    return payment.paid_at or runtime.clock()
