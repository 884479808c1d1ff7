"""Daily reports from order_confirm, pushed to the shop's webhook URL as event `report.daily`.

Same delivery machinery as outcomes (retries, breaker, dead letters, replay); the report's message id is the
shop's `webhook-id`, so a repeated push is a no-op for a shop that dedupes as the Standard Webhooks spec asks.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlmodel import Session, col, select

from contracts.envelope import RawEnvelope
from contracts.reports import DAILY_REPORT_EVENT, DailyReportReady
from services.integrations.models.deliveries import Delivery, ShopWebhookEndpoint

log = structlog.get_logger(__name__)


def record_daily_report(
    session: Session, envelope: RawEnvelope, report: DailyReportReady, *, now: datetime
) -> Delivery | None:
    """A pending webhook delivery when the tenant has an enabled endpoint subscribed to `report.daily`."""
    endpoint = session.exec(
        select(ShopWebhookEndpoint).where(
            ShopWebhookEndpoint.tenant == envelope.tenant, col(ShopWebhookEndpoint.enabled)
        )
    ).first()
    if endpoint is None or (endpoint.events and DAILY_REPORT_EVENT not in endpoint.events):
        log.info("report.daily_no_endpoint", tenant=envelope.tenant, day=str(report.day))
        return None
    delivery = Delivery(
        tenant=envelope.tenant,
        target="webhook",
        message_id=str(envelope.message_id),
        message_type=envelope.message_type,
        event_type=DAILY_REPORT_EVENT,
        # Reports are independent of each other and of any order: their own ordering key per day.
        document_key=f"{DAILY_REPORT_EVENT}:{report.day.isoformat()}",
        payload=envelope.payload,
        next_attempt_at=now,
        budget_started_at=now,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery
