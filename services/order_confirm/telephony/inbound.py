"""Inbound call facts: one `inbound_calls` row per call (the highest revision wins), and the customer's
timeline learns of every call an operator answered.

The row is what service level, abandonment, speed of answer and the planning forecast read. A known
caller's answered call becomes one `inbound_call` line on their timeline, written when the call is first
seen answered and completed (talk time) when it ends. An unknown caller's call has no customer yet: the
operator who answered it (or a supervisor) attaches it to an order (`attach_call`), and the line is written
then, with an audit entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from contracts.telephony import CallSnapshot
from services.common.problems import Conflict, NotFound
from services.order_confirm.domain.timeline_text import render
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Customer, InboundCall, Operator, Order, Tenant, TimelineEvent
from services.order_confirm.service import audit, timeline
from services.order_confirm.service.scope import Scope, get_order
from services.order_confirm.telephony.facts import known_customer, known_operator, wake_floors


class CallNotFound(NotFound):
    code, title = "inbound_call_not_found", "No such inbound call"


class CallAlreadyAttached(Conflict):
    code, title = "call_already_attached", "The call already belongs to a customer"


class CallNotAnswered(Conflict):
    code, title = "call_not_answered", "The call was not answered"


def apply_inbound(session: Session, tenant: Tenant, snapshot: CallSnapshot) -> bool:
    assert tenant.id is not None
    call_id = str(snapshot.call_id)
    row = session.get(InboundCall, call_id, with_for_update=True)
    if row is not None and row.revision >= snapshot.revision:
        return False
    if row is None:
        customer_id = known_customer(session, tenant.id, snapshot.customer_id)
        row = InboundCall(
            call_id=call_id, tenant_id=tenant.id, revision=snapshot.revision, state=snapshot.state,
            offered_at=snapshot.offered_at, customer_id=customer_id,
        )  # fmt: skip
    elif row.attached_by_id is None:
        row.customer_id = known_customer(session, tenant.id, snapshot.customer_id)
    row.revision, row.state, row.outcome = snapshot.revision, snapshot.state, snapshot.outcome
    row.line_number, row.caller_number = snapshot.line_number, snapshot.customer_number
    previous_operator = row.operator_id
    row.owner_id, row.operator_id = (
        known_operator(session, snapshot.owner_id),
        known_operator(session, snapshot.operator_id),
    )
    row.answered_role = snapshot.answered_role
    row.offered_at, row.answered_at, row.ended_at = snapshot.offered_at, snapshot.answered_at, snapshot.ended_at
    row.wait_seconds, row.talk_seconds, row.hold_seconds = (
        snapshot.wait_seconds,
        snapshot.talk_seconds,
        snapshot.hold_seconds,
    )
    row.abandoned, row.short_abandon, row.on_hold = snapshot.abandoned, snapshot.short_abandon, snapshot.on_hold
    row.offers = [offer.model_dump(mode="json") for offer in snapshot.offers]
    row.updated_at = snapshot.ended_at or snapshot.answered_at or snapshot.offered_at
    session.add(row)
    session.flush()
    wake_floors(session, tenant.id, [previous_operator, row.operator_id])
    if row.answered_at is not None and row.customer_id is not None:
        tell_timeline(session, row)
    return True


def call_fact(session: Session, call: InboundCall) -> dict[str, Any]:
    """The timeline parameters of an answered inbound call (domain/timeline_text.py `inbound_call`)."""
    operator = session.get(Operator, call.operator_id) if call.operator_id else None
    return {
        "operator_name": operator.name if operator else None,
        "answered_role": call.answered_role,
        "wait_seconds": call.wait_seconds,
        "talk_seconds": call.talk_seconds if call.state == "ended" else None,
        "external_id": _external_id(session, call.order_id),
    }


def _external_id(session: Session, order_id: int | None) -> str | None:
    order = session.get(Order, order_id) if order_id else None
    return order.external_id if order else None


def tell_timeline(session: Session, call: InboundCall, actor: Operator | None = None) -> TimelineEvent:
    """Write the call's timeline line, or bring the one written earlier up to date (same row)."""
    customer = session.get(Customer, call.customer_id)
    assert customer is not None and call.answered_at is not None
    params = call_fact(session, call)
    event = session.get(TimelineEvent, call.timeline_event_id) if call.timeline_event_id else None
    if event is None or event.customer_id != customer.id:
        event = timeline.add_event(
            session, customer, now=call.answered_at, kind="inbound_call", params=params,
            order_id=call.order_id, actor=actor, details={"call_id": call.call_id},
        )  # fmt: skip
        session.flush()
        call.timeline_event_id = event.id
        session.add(call)
        return event
    if event.params != params or event.order_id != call.order_id:
        event.params, event.order_id = params, call.order_id
        event.summary = (render("inbound_call", params, language="en", timezone=customer.timezone) or "")[:500]
        session.add(event)
    return event


def attach_call(session: Session, scope: Scope, call_id: str, order_id: int, *, now: datetime) -> InboundCall:
    """An unknown caller's call joins an order (and so its customer). The operator who answered it may do
    it, or a supervisor/admin of the tenant; anyone else is told the call does not exist. Attaching it to
    the same order again is a no-op; to another order, a conflict."""
    call = session.get(InboundCall, call_id, with_for_update=True)
    if call is None or not scope.has_tenant(call.tenant_id) or not _may_attach(scope, call):
        raise CallNotFound(f"No call {call_id}.")
    order = get_order(session, scope, order_id)
    if order.tenant_id != call.tenant_id:
        raise NotFound(f"No order {order_id}.")
    if call.order_id == order.id:
        return call
    if call.order_id is not None or (call.customer_id is not None and call.customer_id != order.customer_id):
        raise CallAlreadyAttached(f"Call {call_id} already belongs to another customer or order.")
    if call.answered_at is None:
        raise CallNotAnswered(f"Call {call_id} was not answered; only a conversation can join an order.")
    before = {"customer_id": call.customer_id, "order_id": call.order_id}
    call.customer_id, call.order_id = order.customer_id, order.id
    call.attached_by_id, call.attached_at = scope.operator_id, now
    session.add(call)
    session.flush()
    tell_timeline(session, call, actor=scope.operator)
    audit.record(
        session, now=now, actor=scope.operator, action="inbound_call.attached", entity="inbound_call",
        entity_id=call.call_id, tenant_id=call.tenant_id, before=before,
        after={"customer_id": call.customer_id, "order_id": call.order_id},
    )  # fmt: skip
    return call


def _may_attach(scope: Scope, call: InboundCall) -> bool:
    if scope.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    return scope.role is Role.OPERATOR and call.operator_id == scope.operator_id
