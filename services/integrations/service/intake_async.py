"""The order webhook's hot path on PostgreSQL: one statement, one round trip, on the event loop (issue 13).

Same rules and answers as `order_webhooks.receive_order_webhook` (the sync path, which SQLite keeps):

1. The tenant comes from a short-lived cache (tenant_cache.py); the signature, JSON and order are checked
   without the database, and the envelope is built before the statement.
2. One statement, its own transaction (no BEGIN/COMMIT round trips): it checks that the cached tenant is
   still current (active, same `secret_rotated_at`), finds a repeated `webhook-id`, creates the order's row if
   new or locks it and takes the new version's number if its content changed (`ON CONFLICT DO UPDATE ...
   WHERE` the content differs: an unchanged version updates nothing, returns nothing and stores nothing),
   then stores the raw payload under that number, the outbox row and the order's last version.
3. The version's number is the raw payload's id, taken from its sequence after the order's row is locked, so
   versions of one order are numbered in acceptance order (order_confirm drops a snapshot whose `source_ref`
   is not above the last one it applied). The envelope, serialized before the number is known, carries a
   placeholder in `source_ref` that the statement and `Held` both replace by the number.
4. A `webhook-id` stored meanwhile by a concurrent request for another order makes the payload insert fail
   (unique violation): the statement, and so everything it wrote, is undone, and it runs once more, finding
   the stored webhook-id (`duplicate`).

It runs as an asyncpg prepared statement on a pooled driver connection (db_async.pooled_driver).
The caller hands `Intake.held` (set when something was accepted) to the batch relay: it is committed then.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contracts.envelope import Envelope
from contracts.orders import WebhookAccepted
from contracts.routing import MessageType
from services.common.logs import current_request_id
from services.common.messaging.batch_relay import Held
from services.integrations.domain.firewall import to_snapshot
from services.integrations.domain.signatures import InvalidSignature
from services.integrations.models import OutboxMessage
from services.integrations.service.order_webhooks import SignedOrder, WebhookRequest, check_signed_order
from services.integrations.service.tenant_cache import TenantCache, TenantKeys
from services.integrations.service.tenants import valid_secrets

# Unguessable, so no text a shop sends can contain it: the envelope's `source_ref` until the number is known.
_SOURCE_REF_PLACEHOLDER = f"source-ref-{secrets.token_hex(16)}"
_WEBHOOK_ID_TAKEN = "uq_inbound_payloads_tenant_id_webhook_id"
_RACED_ATTEMPTS = 3  # a raced webhook-id is found by the second attempt; more would be a bug, not a race

# asyncpg's own parameter style: this runs on the driver connection (db_async.pooled_driver).
_ACCEPT = f"""
WITH tenant AS (
    SELECT id FROM integration_tenants WHERE id = $1 AND active AND secret_rotated_at IS NOT DISTINCT FROM $2
), seen AS (
    SELECT o.order_ref FROM inbound_payloads p JOIN inbound_orders o ON o.id = p.inbound_order_id
    WHERE p.tenant_id = $1 AND p.webhook_id = $3
), version AS (
    INSERT INTO inbound_orders
        (tenant_id, external_id, order_ref, last_content_hash, last_payload_id, created_at, updated_at)
    SELECT id, $4::varchar, $5::varchar, $6::varchar,
           nextval(pg_get_serial_sequence('inbound_payloads', 'id')), $7::timestamptz, $7::timestamptz
    FROM tenant WHERE NOT EXISTS (SELECT FROM seen)
    ON CONFLICT (tenant_id, external_id) DO UPDATE
    SET last_content_hash = excluded.last_content_hash,
        last_payload_id = nextval(pg_get_serial_sequence('inbound_payloads', 'id')),
        updated_at = excluded.updated_at
    WHERE inbound_orders.last_content_hash IS DISTINCT FROM excluded.last_content_hash
    RETURNING id, order_ref, last_payload_id
), payload AS (
    INSERT INTO inbound_payloads
        (id, tenant_id, inbound_order_id, source, webhook_id, event_type, content_hash, body, received_at)
    SELECT last_payload_id, $1, id, 'webhook', $3, $8, $6, $9, $7 FROM version
    RETURNING id
), message AS (
    INSERT INTO {OutboxMessage.__tablename__}
        (message_id, message_type, tenant, envelope, created_at, publish_attempts, republish_count)
    SELECT $10::varchar, $11::varchar, $12::varchar, replace($13::text, $14::text, payload.id::text)::jsonb,
           $7::timestamptz, 0, 0
    FROM payload
    RETURNING id
)
SELECT EXISTS (SELECT FROM tenant) AS tenant_current, (SELECT order_ref FROM seen LIMIT 1) AS seen_ref,
       version.order_ref, version.last_payload_id AS payload_id, (SELECT id FROM message) AS outbox_id,
       (SELECT order_ref FROM inbound_orders WHERE tenant_id = $1 AND external_id = $4) AS known_ref
FROM (VALUES (1)) AS one LEFT JOIN version ON true
"""

# An unchanged version of an order whose row committed after the statement's snapshot was taken.
_ORDER_REF = "SELECT order_ref FROM inbound_orders WHERE tenant_id = $1 AND external_id = $2"


@dataclass(frozen=True)
class Intake:
    """The answer, and the committed outbox row for the relay (None: a duplicate, nothing to publish)."""

    accepted: WebhookAccepted
    held: Held | None


async def accept_order_webhook(
    driver: Any,
    tenants: TenantCache,
    request: WebhookRequest,
    *,
    now: datetime,
    tolerance: timedelta,
    publisher: str | None,
) -> Intake:
    """404 unknown tenant, 401 bad signature or stale timestamp, 422 bad body; else accepted or duplicate.

    `driver` is an asyncpg connection (db_async.pooled_driver, which turns its errors into SQLAlchemy's).
    Commits on its own (unlike service functions elsewhere): when the tenant's secrets changed since they
    were cached, the attempt is abandoned and made again with the new ones."""
    keys, signed = await _verified(driver, tenants, request, now=now, tolerance=tolerance)
    envelope = _envelope(keys, signed, now=now, publisher=publisher)
    envelope_json = envelope.model_dump_json()  # once: the statement and the relay get these bytes
    while True:
        row = await _accept(driver, keys, signed, envelope, envelope_json, now=now)
        if row["tenant_current"]:
            return await _answer(driver, keys, signed, envelope_json, row)
        keys = await tenants.refresh(driver, request.tenant_slug)
        signed = check_signed_order(request, valid_secrets(keys, now), now=now, tolerance=tolerance)


def _envelope(keys: TenantKeys, signed: SignedOrder, *, now: datetime, publisher: str | None) -> Envelope[Any]:
    snapshot = to_snapshot(signed.event, source="webhook", source_ref=_SOURCE_REF_PLACEHOLDER)
    return Envelope[Any](
        message_type=MessageType.ORDER_SNAPSHOT_RECEIVED,
        tenant=keys.slug,
        occurred_at=now,
        request_id=current_request_id(),
        source=publisher,  # stored as published: the relay sends these very bytes
        payload=snapshot,
    )


async def _accept(
    driver: Any,
    keys: TenantKeys,
    signed: SignedOrder,
    envelope: Envelope[Any],
    envelope_json: str,
    *,
    now: datetime,
) -> Any:
    """The statement's one row; run again when a concurrent request took the webhook-id (module docstring)."""
    for attempt in range(_RACED_ATTEMPTS):
        try:
            return await driver.fetchrow(_ACCEPT, *_accept_params(keys, signed, envelope, envelope_json, now))
        except Exception as error:  # asyncpg's UniqueViolationError names its constraint (asyncpg is not imported
            # here: the embedded mode, SQLite, never loads it)
            if attempt + 1 == _RACED_ATTEMPTS or getattr(error, "constraint_name", None) != _WEBHOOK_ID_TAKEN:
                raise
    raise AssertionError("unreachable")


async def _answer(driver: Any, keys: TenantKeys, signed: SignedOrder, envelope_json: str, row: Any) -> Intake:
    if row["seen_ref"] is not None:
        return Intake(WebhookAccepted(order_id=row["seen_ref"], status="duplicate"), None)
    if row["outbox_id"] is None:  # the same version again: nothing was written
        order_ref = row["known_ref"] or await driver.fetchval(_ORDER_REF, keys.id, signed.event.data.external_id)
        return Intake(WebhookAccepted(order_id=order_ref, status="duplicate"), None)
    published = envelope_json.replace(_SOURCE_REF_PLACEHOLDER, str(row["payload_id"]))  # as the statement did
    held = Held(int(row["outbox_id"]), MessageType.ORDER_SNAPSHOT_RECEIVED, published)
    return Intake(WebhookAccepted(order_id=row["order_ref"], status="accepted"), held)


async def _verified(
    driver: Any, tenants: TenantCache, request: WebhookRequest, *, now: datetime, tolerance: timedelta
) -> tuple[TenantKeys, SignedOrder]:
    keys = await tenants.get(driver, request.tenant_slug)
    try:
        return keys, check_signed_order(request, valid_secrets(keys, now), now=now, tolerance=tolerance)
    except InvalidSignature:
        # The cached secrets may be older than a rotation the shop already follows: ask the database once.
        fresh = await tenants.refresh(driver, request.tenant_slug)
        if fresh.secrets == keys.secrets:
            raise
        return fresh, check_signed_order(request, valid_secrets(fresh, now), now=now, tolerance=tolerance)


def _accept_params(
    keys: TenantKeys, signed: SignedOrder, envelope: Envelope[Any], envelope_json: str, now: datetime
) -> tuple[Any, ...]:
    return (
        keys.id,
        keys.secret_rotated_at,
        signed.webhook_id,
        signed.event.data.external_id,
        str(uuid.uuid4()),  # the new order's reference, if it is new
        signed.raw_hash,
        now,
        signed.event.type.value,
        signed.body,
        str(envelope.message_id),
        envelope.message_type,
        keys.slug,
        envelope_json,
        _SOURCE_REF_PLACEHOLDER,
    )
