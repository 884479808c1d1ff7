"""Notice projection changes in any order_confirm transaction and publish them just before it commits.

Why a session hook and not a call at every place that changes an owner, a status or a cover: those places
are many (intake, the pool sweep, reassignment, sign-in and sign-out, the cover API, admin and CLI
commands) and grow; a hook on the tables themselves cannot be forgotten by the next one. It sees ORM
changes: `after_flush` collects the subjects (customer, operator, cover, tenant settings) whose projected
columns changed; `before_commit` publishes them (publish.py) in the same transaction. A customer created
by intake's INSERT … ON CONFLICT (no ORM event) is caught through its order, which intake adds with the ORM.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, event, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from contracts.routing import MessageType
from services.common.clock import Clock, utc_now
from services.common.messaging.outbox import Outbox, new_envelope
from services.order_confirm.models import (
    AuthSession,
    CoverRule,
    Customer,
    Operator,
    OperatorLine,
    OperatorTenant,
    Order,
    OutboxMessage,
    TelephonySettings,
    Tenant,
)
from services.order_confirm.telephony.projection import publish

_PENDING = "okno_telephony_projection"
_EMITTING = "okno_telephony_projection_emitting"
DEFAULT_PRESENCE_IDLE = timedelta(minutes=20)


@dataclass
class Pending:
    customers: set[int] = field(default_factory=set)
    operators: set[int] = field(default_factory=set)
    covers: set[tuple[int, int]] = field(default_factory=set)  # (tenant, owner)
    settings: set[int] = field(default_factory=set)  # tenants

    def __bool__(self) -> bool:
        return bool(self.customers or self.operators or self.covers or self.settings)


class OutboxSender(publish.Sender):
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def send(self, session: Session, message_type: MessageType, tenant: str, payload: BaseModel) -> None:
        self.outbox.add(session, message_type.value, tenant, payload)


class RowSender(publish.Sender):
    """No runtime in this process (a CLI command): the row waits for the running service's outbox sweep."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def send(self, session: Session, message_type: MessageType, tenant: str, payload: BaseModel) -> None:
        now = self.clock()
        envelope = new_envelope(message_type.value, tenant, payload, now=now)
        row = OutboxMessage(
            message_id=str(envelope.message_id),
            message_type=message_type.value,
            tenant=tenant,
            envelope=envelope.model_dump(mode="json"),
            created_at=now,
        )
        session.add(row)


@dataclass(frozen=True)
class Binding:
    sender: publish.Sender
    clock: Clock
    presence_idle: timedelta


_bindings: weakref.WeakKeyDictionary[Engine, Binding] = weakref.WeakKeyDictionary()


def bind(engine: Engine, outbox: Outbox, clock: Clock, presence_idle: timedelta) -> None:
    """order_confirm's runtime registers its outbox and clock for its engine (runtime.build)."""
    _bindings[engine] = Binding(OutboxSender(outbox), clock, presence_idle)


def binding_for(session: Session) -> Binding:
    bind_ = session.get_bind()
    engine = bind_ if isinstance(bind_, Engine) else bind_.engine
    return _bindings.get(engine) or Binding(RowSender(utc_now), utc_now, DEFAULT_PRESENCE_IDLE)


def context(session: Session) -> publish.Context:
    found = binding_for(session)
    return publish.Context(session, found.sender, found.clock(), found.presence_idle)


def pending(session: OrmSession) -> Pending:
    found: Pending = session.info.setdefault(_PENDING, Pending())
    return found


def _changed(obj: Any, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _collect(obj: Any, into: Pending, *, is_new: bool, is_deleted: bool) -> None:
    touched = is_new or is_deleted
    if isinstance(obj, Customer) and obj.id is not None and (touched or _changed(obj, "owner_id", "phone_e164")):
        into.customers.add(obj.id)
    elif isinstance(obj, Order) and is_new:
        into.customers.add(obj.customer_id)  # intake creates customers with a core INSERT; their first order shows
    elif isinstance(obj, Operator) and obj.id is not None and (touched or _changed(obj, "status", "active", "name")):
        into.operators.add(obj.id)
    elif isinstance(obj, OperatorTenant | OperatorLine) or (
        isinstance(obj, AuthSession) and (touched or _changed(obj, "revoked_at", "last_refreshed_at"))
    ):
        into.operators.add(obj.operator_id)
    elif isinstance(obj, CoverRule):
        into.covers.add((obj.tenant_id, obj.owner_id))
    elif isinstance(obj, TelephonySettings):
        into.settings.add(obj.tenant_id)
    elif (
        isinstance(obj, Tenant)
        and obj.id is not None
        and not touched
        and _changed(obj, "timezone", "country", "language")
    ):
        into.settings.add(obj.id)


def _after_flush(session: OrmSession, _context: Any) -> None:
    if session.info.get(_EMITTING):
        return
    into = pending(session)
    for obj in session.new:
        _collect(obj, into, is_new=True, is_deleted=False)
    for obj in session.dirty:
        _collect(obj, into, is_new=False, is_deleted=False)
    for obj in session.deleted:
        _collect(obj, into, is_new=False, is_deleted=True)


def _before_commit(session: OrmSession) -> None:
    if session.info.get(_EMITTING) or not isinstance(session, Session):
        return
    if not session.info.get(_PENDING) and not (session.new or session.dirty or session.deleted):
        return
    session.flush()  # what is still unflushed is collected by _after_flush now
    if not session.info.get(_PENDING):
        return
    session.info[_EMITTING] = True
    try:
        ctx = context(session)
        while work := session.info.pop(_PENDING, None):
            publish_pending(ctx, work)
        session.flush()
    finally:
        session.info.pop(_EMITTING, None)


def publish_pending(ctx: publish.Context, work: Pending) -> None:
    if not work:
        return
    tenants = publish.projected_tenants(ctx.session)
    first_time = publish.settings(ctx, work.settings & tenants.keys())
    publish.presence(ctx, tenants, work.operators)
    publish.covers(ctx, tenants, work.covers)
    publish.customers(ctx, tenants, work.customers)
    if first_time:
        from services.order_confirm.telephony.projection.republish import reconcile_tenants

        reconcile_tenants(ctx, {tenant_id: tenants[tenant_id] for tenant_id in first_time})


def _forget(session: OrmSession, *_: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_EMITTING, None)


def install() -> None:
    """Listen on every Session once (idempotent); subjects of other services' tables are ignored."""
    if not event.contains(OrmSession, "after_flush", _after_flush):
        event.listen(OrmSession, "after_flush", _after_flush)
        event.listen(OrmSession, "before_commit", _before_commit)
        event.listen(OrmSession, "after_soft_rollback", _forget)


def mark(session: Session, *, customers: Iterable[int] = (), operators: Iterable[int] = ()) -> None:
    """Ask for these subjects to be compared at commit even without an ORM change (the presence sweep)."""
    into = pending(session)
    into.customers.update(customers)
    into.operators.update(operators)
