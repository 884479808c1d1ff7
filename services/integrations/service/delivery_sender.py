"""Sending due deliveries: claim (short transaction), push (no transaction open), record (short transaction).

Guarantees:
- only the oldest pending delivery of a document is ever due, so a document's outcomes land in order;
- a claim expires, so a worker killed mid-push loses nothing: the delivery is sent again later, with the
  same message id, and the ERP marker / the shop's `webhook-id` make the repeat a no-op;
- an endpoint whose breaker is open gets no pushes (its deliveries wait, workers stay free); once the
  breaker's time is up one probe goes out, and its result closes or reopens the breaker.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from services.common.db import is_sqlite, transaction
from services.integrations.adapters.erp.base import ErpAdapter
from services.integrations.adapters.erp.providers import adapter_for
from services.integrations.adapters.failures import PermanentFailure, RemoteFailure, TransientFailure
from services.integrations.adapters.shop_webhook import ShopWebhookSender
from services.integrations.domain.delivery_policy import (
    BreakerState,
    DeliveryPolicy,
    after_failure,
    after_success,
    breaker_capacity,
    next_attempt_at,
)
from services.integrations.models.deliveries import Delivery, DeliveryAttempt, EndpointBreaker, ShopWebhookEndpoint
from services.integrations.models.erp import ErpConnection, ErpDocument
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.outcome_events import erp_outcome

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Claimed:
    id: int
    tenant: str
    target: str
    message_id: str
    message_type: str
    event_type: str
    document_key: str
    payload: dict[str, Any]


def policy_of(runtime: IntegrationsRuntime) -> DeliveryPolicy:
    s = runtime.settings
    return DeliveryPolicy(
        retry_budget=timedelta(hours=s.delivery_retry_budget_hours),
        min_backoff=timedelta(seconds=s.delivery_min_backoff_seconds),
        max_backoff=timedelta(seconds=s.delivery_max_backoff_seconds),
        breaker_threshold=s.breaker_failure_threshold,
        breaker_open_for=timedelta(seconds=s.breaker_open_seconds),
    )


def send_due(runtime: IntegrationsRuntime, *, only: list[int] | None = None) -> int:
    """Claim what is due (all of it, or just `only`) and push it; returns how many were attempted.

    With `only` (right after a consumer recorded them), a delivery that waited behind an earlier one of
    the same document is sent as soon as that one is through, rather than at the next sweep.
    """
    attempted = 0
    pushers = _Pushers(runtime)
    try:
        while True:
            with transaction(runtime.engine) as session:
                claimed = claim_due(runtime, session, only=only)
            for delivery in claimed:
                _attempt(runtime, pushers, delivery)
            attempted += len(claimed)
            if not claimed or only is None:
                return attempted
            only = _next_in_line(runtime, claimed)
    finally:
        pushers.close()


def _next_in_line(runtime: IntegrationsRuntime, sent: list[Claimed]) -> list[int]:
    documents = {(d.tenant, d.target, d.document_key) for d in sent}
    with Session(runtime.engine) as session:
        rows = session.exec(
            select(Delivery.id, Delivery.tenant, Delivery.target, Delivery.document_key).where(
                Delivery.status == "pending", col(Delivery.document_key).in_([key for _, _, key in documents])
            )
        ).all()
    return [int(i) for i, tenant, target, key in rows if i is not None and (tenant, target, key) in documents]


def _due_query(runtime: IntegrationsRuntime, now: datetime, only: list[int] | None) -> SelectOfScalar[Delivery]:
    """Pending, due, unclaimed, and the oldest pending one of its document (so documents stay in order)."""
    earlier = aliased(Delivery)
    head_of_document = ~exists().where(
        col(earlier.tenant) == col(Delivery.tenant),
        col(earlier.target) == col(Delivery.target),
        col(earlier.document_key) == col(Delivery.document_key),
        col(earlier.status) == "pending",
        col(earlier.id) < col(Delivery.id),
    )
    query = (
        select(Delivery)
        .where(
            Delivery.status == "pending",
            col(Delivery.next_attempt_at) <= now,
            or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < now),
            head_of_document,
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(runtime.settings.delivery_batch_size * 4)
    )
    if only is not None:
        query = query.where(col(Delivery.id).in_(only))
    if not is_sqlite(runtime.engine):
        query = query.with_for_update(skip_locked=True, of=Delivery)
    return query


def claim_due(runtime: IntegrationsRuntime, session: Session, *, only: list[int] | None = None) -> list[Claimed]:
    now, policy = runtime.clock(), policy_of(runtime)
    capacity: dict[tuple[str, str], int | None] = {}
    claimed: list[Claimed] = []
    for delivery in session.exec(_due_query(runtime, now, only)).all():
        endpoint = (delivery.tenant, delivery.target)
        if endpoint not in capacity:
            capacity[endpoint] = breaker_capacity(policy, _breaker(session, *endpoint), now)
        room = capacity[endpoint]
        if room == 0 or len(claimed) >= runtime.settings.delivery_batch_size:
            continue
        if room is not None:
            capacity[endpoint] = room - 1
        delivery.claimed_until = now + timedelta(seconds=runtime.settings.delivery_claim_seconds)
        session.add(delivery)
        assert delivery.id is not None
        claimed.append(
            Claimed(
                delivery.id,
                delivery.tenant,
                delivery.target,
                delivery.message_id,
                delivery.message_type,
                delivery.event_type,
                delivery.document_key,
                dict(delivery.payload),
            )
        )
    return claimed


def _breaker(session: Session, tenant: str, target: str) -> BreakerState:
    row = session.get(EndpointBreaker, (tenant, target))
    if row is None:
        return BreakerState()
    return BreakerState(row.consecutive_failures, row.opened_until, row.times_opened)


class _Pushers:
    """The adapters of one sweep, built once per tenant (one HTTP connection pool each)."""

    def __init__(self, runtime: IntegrationsRuntime) -> None:
        self.runtime = runtime
        self.erp: dict[str, ErpAdapter] = {}
        self._webhooks: ShopWebhookSender | None = None

    @property
    def webhooks(self) -> ShopWebhookSender:
        if self._webhooks is None:
            self._webhooks = ShopWebhookSender(timeout_seconds=self.runtime.settings.erp_timeout_seconds)
        return self._webhooks

    def push(self, delivery: Claimed) -> str:
        if delivery.target == "erp":
            adapter, item_keys = self._erp(delivery)
            outcome = erp_outcome(delivery.message_type, delivery.payload, delivery.document_key, item_keys)
            return adapter.push(outcome, delivery.message_id)
        with Session(self.runtime.engine) as session:
            endpoint = session.exec(
                select(ShopWebhookEndpoint).where(ShopWebhookEndpoint.tenant == delivery.tenant)
            ).first()
        if endpoint is None or not endpoint.enabled:
            raise PermanentFailure(f"tenant {delivery.tenant} has no enabled shop webhook URL")
        self.webhooks.send(
            endpoint.url,
            endpoint.secret,
            webhook_id=delivery.message_id,
            event_type=delivery.event_type,
            data={**delivery.payload, "tenant": delivery.tenant},
            now=self.runtime.clock(),
        )
        return "delivered"

    def _erp(self, delivery: Claimed) -> tuple[ErpAdapter, dict[str, str]]:
        with Session(self.runtime.engine) as session:
            connection = session.exec(select(ErpConnection).where(ErpConnection.tenant == delivery.tenant)).first()
            document = session.exec(
                select(ErpDocument).where(
                    ErpDocument.tenant == delivery.tenant, ErpDocument.document_key == delivery.document_key
                )
            ).first()
        if connection is None or not connection.enabled:
            raise TransientFailure(f"tenant {delivery.tenant} has no enabled ERP connection")
        if delivery.tenant not in self.erp:
            self.erp[delivery.tenant] = adapter_for(
                connection, timeout_seconds=self.runtime.settings.erp_timeout_seconds
            )
        return self.erp[delivery.tenant], dict(document.item_keys) if document else {}

    def close(self) -> None:
        for adapter in self.erp.values():
            adapter.close()
        if self._webhooks is not None:
            self._webhooks.close()


def _attempt(runtime: IntegrationsRuntime, pushers: _Pushers, delivery: Claimed) -> None:
    started = time.monotonic()
    failure: RemoteFailure | None = None
    result = "delivered"
    try:
        result = pushers.push(delivery)
    except RemoteFailure as error:
        failure = error
    except Exception as error:  # a bug or bad stored data must not stop the sweep; keep it visible instead
        log.exception("delivery.push_crashed", delivery_id=delivery.id)
        failure = TransientFailure(f"{error.__class__.__name__}: {error}")
    duration_ms = int((time.monotonic() - started) * 1000)
    with transaction(runtime.engine) as session:
        _record(runtime, session, delivery, result=result, failure=failure, duration_ms=duration_ms)


def _record(
    runtime: IntegrationsRuntime,
    session: Session,
    claimed: Claimed,
    *,
    result: str,
    failure: RemoteFailure | None,
    duration_ms: int,
) -> None:
    now, policy = runtime.clock(), policy_of(runtime)
    delivery = session.get(Delivery, claimed.id)
    if delivery is None or delivery.status != "pending":
        return
    delivery.attempts += 1
    delivery.claimed_until = None
    delivery.last_status_code = failure.status_code if failure else None
    delivery.last_error = str(failure)[:4000] if failure else None
    breaker = _breaker(session, claimed.tenant, claimed.target)
    if failure is None:
        outcome = "already_applied" if result == "already_applied" else "delivered"
        delivery.status, delivery.delivered_at = "delivered", now
        breaker = after_success(breaker)
    elif isinstance(failure, PermanentFailure):
        outcome = "rejected"
        _bury(delivery, now)
        breaker = after_success(breaker)  # the endpoint answered; it is this message it refused
    else:
        outcome = "retry"
        _reschedule(policy, delivery, failure, now)
        breaker = after_failure(policy, breaker, now)
    session.add(delivery)
    session.add(
        DeliveryAttempt(
            delivery_id=claimed.id,
            attempted_at=now,
            outcome=outcome,
            status_code=delivery.last_status_code,
            duration_ms=duration_ms,
            error=delivery.last_error,
        )
    )
    _save_breaker(session, claimed.tenant, claimed.target, breaker, now)


def _reschedule(policy: DeliveryPolicy, delivery: Delivery, failure: RemoteFailure, now: datetime) -> None:
    next_try = next_attempt_at(
        policy,
        attempts_made=delivery.attempts,
        now=now,
        budget_started_at=delivery.budget_started_at,
        retry_after=failure.retry_after if isinstance(failure, TransientFailure) else None,
        jitter=random.random(),
    )
    if next_try is None:
        _bury(delivery, now)
    else:
        delivery.next_attempt_at = next_try


def _bury(delivery: Delivery, now: datetime) -> None:
    delivery.status, delivery.dead_at = "dead", now
    log.error("delivery.dead_lettered", delivery_id=delivery.id, tenant=delivery.tenant, error=delivery.last_error)


def _save_breaker(session: Session, tenant: str, target: str, state: BreakerState, now: datetime) -> None:
    row = session.get(EndpointBreaker, (tenant, target)) or EndpointBreaker(
        tenant=tenant, target=target, updated_at=now
    )
    if state.times_opened > row.times_opened:
        log.warning("delivery.breaker_opened", tenant=tenant, target=target, until=str(state.opened_until))
    row.consecutive_failures = state.consecutive_failures
    row.opened_until = state.opened_until
    row.times_opened = state.times_opened
    row.updated_at = now
    session.add(row)
