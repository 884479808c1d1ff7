"""Recording outcome pushes (one delivery per message and target) and what supervisors do with them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import structlog
from sqlalchemy import func
from sqlmodel import Session, col, select

from contracts.envelope import RawEnvelope
from contracts.http.erp_sync import DeliveryAttemptView, DeliveryView
from contracts.orders import OrderOutcome
from services.common.problems import Conflict, NotFound
from services.integrations.models.deliveries import Delivery, DeliveryAttempt, ShopWebhookEndpoint
from services.integrations.models.erp import ErpConnection, ErpDocument
from services.integrations.service.outcome_events import event_name

log = structlog.get_logger(__name__)


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"


class DeliveryNotDead(Conflict):
    code = "delivery_not_dead"


def record_outcome(session: Session, envelope: RawEnvelope, outcome: OrderOutcome, *, now: datetime) -> list[Delivery]:
    """One pending delivery per configured target; the caller's transaction also records the inbox row."""
    tenant, event = envelope.tenant, event_name(envelope.message_type)
    deliveries = []
    document = _erp_document(session, tenant, outcome) if outcome.source == "erp" else None
    if document is not None:
        deliveries.append(_new(envelope, "erp", document.document_key, event, now))
    endpoint = session.exec(
        select(ShopWebhookEndpoint).where(ShopWebhookEndpoint.tenant == tenant, col(ShopWebhookEndpoint.enabled))
    ).first()
    if endpoint is not None and (not endpoint.events or event in endpoint.events):
        deliveries.append(_new(envelope, "webhook", outcome.external_id, event, now))
    if not deliveries:
        log.info("delivery.no_target", tenant=tenant, message_type=envelope.message_type, source=outcome.source)
    session.add_all(deliveries)
    session.flush()
    return deliveries


def _erp_document(session: Session, tenant: str, outcome: OrderOutcome) -> ErpDocument | None:
    connected = session.exec(
        select(ErpConnection.id).where(ErpConnection.tenant == tenant, col(ErpConnection.enabled))
    ).first()
    if connected is None:
        return None
    document = session.exec(
        select(ErpDocument).where(ErpDocument.tenant == tenant, ErpDocument.external_id == outcome.external_id)
    ).first()
    if document is None:
        log.warning("delivery.unknown_erp_document", tenant=tenant, external_id=outcome.external_id)
    return document


def _new(envelope: RawEnvelope, target: str, document_key: str, event: str, now: datetime) -> Delivery:
    return Delivery(
        tenant=envelope.tenant,
        target=target,
        message_id=str(envelope.message_id),
        message_type=envelope.message_type,
        event_type=event,
        document_key=document_key,
        payload=envelope.payload,
        next_attempt_at=now,
        budget_started_at=now,
        created_at=now,
    )


def list_deliveries(
    session: Session,
    *,
    tenant: str | None = None,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[Delivery]:
    query = select(Delivery).order_by(col(Delivery.id).desc()).limit(limit)
    if tenant is not None:
        query = query.where(Delivery.tenant == tenant)
    if status is not None:
        query = query.where(Delivery.status == status)
    if before_id is not None:
        query = query.where(col(Delivery.id) < before_id)
    return list(session.exec(query).all())


def delivery_detail(session: Session, delivery_id: int, *, tenant: str | None) -> DeliveryView:
    """One delivery with every attempt, oldest first (404 outside `tenant` when one is given)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or (tenant is not None and delivery.tenant != tenant):
        raise DeliveryNotFound(f"No delivery {delivery_id}.")
    attempts = session.exec(
        select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id).order_by(col(DeliveryAttempt.id))
    ).all()
    return delivery_view(delivery, attempts)


def delivery_view(delivery: Delivery, attempts: Sequence[DeliveryAttempt] = ()) -> DeliveryView:
    return DeliveryView.model_validate(
        {
            **delivery.model_dump(exclude={"payload", "claimed_until", "budget_started_at", "message_type"}),
            "log": [DeliveryAttemptView.model_validate(a, from_attributes=True) for a in attempts],
        }
    )


def count_by_status(session: Session, tenant: str | None = None) -> dict[str, int]:
    query = select(Delivery.status, func.count()).group_by(col(Delivery.status))
    if tenant is not None:
        query = query.where(Delivery.tenant == tenant)
    return {str(status): int(count) for status, count in session.exec(query).all()}


def replay(session: Session, delivery_id: int, *, tenant: str | None, now: datetime) -> Delivery:
    """Give a dead delivery a fresh retry budget; the next sweep sends it with its original message id."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or (tenant is not None and delivery.tenant != tenant):
        raise DeliveryNotFound(f"No delivery {delivery_id}.")
    if delivery.status != "dead":
        raise DeliveryNotDead(f"Delivery {delivery_id} is {delivery.status}; only dead letters can be replayed.")
    delivery.status = "pending"
    delivery.next_attempt_at = now
    delivery.budget_started_at = now
    delivery.claimed_until = None
    delivery.dead_at = None
    delivery.replay_count += 1
    session.add(delivery)
    session.flush()
    return delivery
