"""The shop's order webhook: verify, validate, store the raw body, emit the filtered snapshot, answer.

Checks run cheapest-and-safest first and nothing is written until all have passed, so a rejected request
leaves no trace. Acceptance writes the raw payload and the outbox message in the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from contracts.orders import ShopOrderEvent, WebhookAccepted
from contracts.routing import MessageType
from services.common import safe_json
from services.common.messaging.outbox import Outbox
from services.common.problems import Unprocessable, validation_errors
from services.integrations.domain import signatures
from services.integrations.domain.firewall import canonical_hash, to_snapshot
from services.integrations.models import InboundOrder, InboundPayload, IntegrationTenant
from services.integrations.service.tenants import get_tenant, valid_secrets


class InvalidJson(Unprocessable):
    code, title = "invalid_json", "The body is not valid JSON"


class InvalidOrder(Unprocessable):
    code, title = "invalid_order", "The order does not match the webhook contract"


@dataclass(frozen=True)
class WebhookRequest:
    tenant_slug: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class SignedOrder:
    webhook_id: str
    event: ShopOrderEvent
    body: str
    raw_hash: str


@dataclass(frozen=True)
class VerifiedOrder:
    tenant: IntegrationTenant
    webhook_id: str
    event: ShopOrderEvent
    body: str
    raw_hash: str


def receive_order_webhook(
    session: Session,
    outbox: Outbox,
    request: WebhookRequest,
    *,
    now: datetime,
    tolerance: timedelta,
) -> WebhookAccepted:
    verified = verify_order_webhook(session, request, now=now, tolerance=tolerance)
    repeated = _order_ref_of_webhook(session, verified.tenant, verified.webhook_id)
    if repeated is not None:
        return WebhookAccepted(order_id=repeated, status="duplicate")
    inbound = _lock_inbound_order(session, verified.tenant, verified.event.data.external_id, now=now)
    if inbound.last_content_hash == verified.raw_hash:
        return WebhookAccepted(order_id=inbound.order_ref, status="duplicate")
    payload_id = _store_payload(session, verified, inbound, now=now)
    if payload_id is None:
        # The same webhook-id raced in for another order of this tenant; it was accepted there.
        return WebhookAccepted(order_id=inbound.order_ref, status="duplicate")
    snapshot = to_snapshot(verified.event, source="webhook", source_ref=str(payload_id))
    outbox.add(session, MessageType.ORDER_SNAPSHOT_RECEIVED, verified.tenant.slug, snapshot)
    inbound.last_content_hash = verified.raw_hash
    inbound.last_payload_id = payload_id
    inbound.updated_at = now
    session.add(inbound)
    return WebhookAccepted(order_id=inbound.order_ref, status="accepted")


def verify_order_webhook(
    session: Session, request: WebhookRequest, *, now: datetime, tolerance: timedelta
) -> VerifiedOrder:
    """404 unknown tenant, 422 non-UTF-8 body, 401 bad signature or stale timestamp, 422 bad JSON or order."""
    tenant = get_tenant(session, request.tenant_slug)
    signed = check_signed_order(request, valid_secrets(tenant, now), now=now, tolerance=tolerance)
    return VerifiedOrder(tenant, signed.webhook_id, signed.event, signed.body, signed.raw_hash)


def check_signed_order(
    request: WebhookRequest, secrets: list[str], *, now: datetime, tolerance: timedelta
) -> SignedOrder:
    """The checks after the tenant, without the database: 422 non-UTF-8 body, 401 bad signature or stale
    timestamp, 422 bad JSON or order. Shared by the sync path (SQLite) and the async one (intake_async.py)."""
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidJson("JSON must be UTF-8 encoded (RFC 8259).", errors=[_body_error("not UTF-8")]) from None
    signed = signatures.parse_headers(request.headers)
    signatures.verify(signed, body, secrets, now=now, tolerance=tolerance)
    document = safe_json.loads(body)  # signed, but a leaked secret must not buy a 500
    event = parse_order_event(document)
    raw_hash = canonical_hash({"type": document["type"], "data": document["data"]})
    return SignedOrder(signed.webhook_id, event, body, raw_hash)


def parse_order_event(document: Any) -> ShopOrderEvent:
    """The webhook's order, or 422 `invalid_order` listing every bad field."""
    try:
        return ShopOrderEvent.model_validate(document)
    except ValidationError as error:
        raise InvalidOrder(
            f"{error.error_count()} field(s) are invalid; see `errors`.",
            errors=validation_errors(error.errors()),
        ) from None


def _body_error(message: str) -> dict[str, str]:
    return {"field": "", "message": message, "type": "json_invalid"}


def _order_ref_of_webhook(session: Session, tenant: IntegrationTenant, webhook_id: str) -> str | None:
    query = (
        select(InboundOrder.order_ref)
        .join(InboundPayload, col(InboundPayload.inbound_order_id) == col(InboundOrder.id))
        .where(InboundPayload.tenant_id == tenant.id, InboundPayload.webhook_id == webhook_id)
    )
    return session.exec(query).first()


def _lock_inbound_order(
    session: Session, tenant: IntegrationTenant, external_id: str, *, now: datetime
) -> InboundOrder:
    """Create the order's row if new, then hold its lock: versions of one order are accepted one at a time."""
    values = {
        "tenant_id": tenant.id,
        "external_id": external_id,
        "order_ref": str(uuid.uuid4()),
        "created_at": now,
        "updated_at": now,
    }
    session.execute(
        _dialect(session)
        .insert(InboundOrder)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "external_id"])
    )
    query = (
        select(InboundOrder)
        .where(InboundOrder.tenant_id == tenant.id, InboundOrder.external_id == external_id)
        .with_for_update()
    )
    return session.exec(query).one()


def _store_payload(session: Session, verified: VerifiedOrder, inbound: InboundOrder, *, now: datetime) -> int | None:
    """Insert the raw body; None when this webhook-id was stored meanwhile (no savepoint needed)."""
    values = {
        "tenant_id": verified.tenant.id,
        "inbound_order_id": inbound.id,
        "source": "webhook",
        "webhook_id": verified.webhook_id,
        "event_type": verified.event.type.value,
        "content_hash": verified.raw_hash,
        "body": verified.body,
        "received_at": now,
    }
    insert = _dialect(session).insert(InboundPayload).values(**values)
    statement = insert.on_conflict_do_nothing(index_elements=["tenant_id", "webhook_id"]).returning(
        col(InboundPayload.id)
    )
    return session.execute(statement).scalar_one_or_none()


def _dialect(session: Session) -> Any:
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
