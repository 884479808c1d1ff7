"""notify's call facts (`telephony_call.updated`) in order_confirm's tables.

Each snapshot is complete and carries a `revision` that grows with every change of its call: a row keeps
the highest revision it has seen, so a repeated or late (older) snapshot changes nothing and a missed one
loses nothing. Outbound snapshots also fill the attempt they belong to — started, answered, ended, talk and
hold come from the call, not from the console's buttons — and the real end releases the post-call survey
(`call.completed`, once per attempt: `service/call_completion.py`). Inbound snapshots are handled in
`telephony.inbound`.
"""

from __future__ import annotations

import structlog
from sqlmodel import Session, col, select

from contracts.telephony import CallSnapshot
from services.common.messaging.outbox import Outbox
from services.order_confirm.models import Attempt, Customer, Operator, Order, OutboundCall, Tenant
from services.order_confirm.service.call_completion import complete_attempt
from services.order_confirm.streams import watch as streams_watch
from services.order_confirm.telephony.locks import lock_attempt_in_workflow_order

log = structlog.get_logger(__name__)


def tenant_by_slug(session: Session, slug: str) -> Tenant | None:
    return session.exec(select(Tenant).where(col(Tenant.slug) == slug)).first()


def known_operator(session: Session, operator_id: int | None) -> int | None:
    """An operator id from notify, if it names an operator (a foreign key must never fail a consumer)."""
    return operator_id if operator_id is not None and session.get(Operator, operator_id) is not None else None


def known_customer(session: Session, tenant_id: int, customer_id: int | None) -> int | None:
    """A customer id from notify, if it names a customer of this tenant."""
    if customer_id is None:
        return None
    customer = session.get(Customer, customer_id)
    return customer_id if customer is not None and customer.tenant_id == tenant_id else None


def apply_call_updated(session: Session, outbox: Outbox, tenant_slug: str, snapshot: CallSnapshot) -> bool:
    """Store one snapshot; False when it was not newer than what is stored (or the tenant is unknown)."""
    tenant = tenant_by_slug(session, tenant_slug)
    if tenant is None or tenant.id is None:
        log.warning("telephony.call_fact_unknown_tenant", tenant=tenant_slug, call_id=str(snapshot.call_id))
        return False
    if snapshot.direction == "inbound":
        from services.order_confirm.telephony.inbound import apply_inbound

        return apply_inbound(session, tenant, snapshot)
    return _apply_outbound(session, outbox, tenant, snapshot)


def wake_floors(session: Session, tenant_id: int, operators: list[int | None]) -> None:
    """Floors show live calls (telephony/floor.py), and each operator's softphone bar their own current call
    (streams/calls.py): those streams re-read after this commit. `operators`: the call's, before and after."""
    streams_watch.note(session, tenant_id, operators, floor=True, calls=operators)


def _apply_outbound(session: Session, outbox: Outbox, tenant: Tenant, snapshot: CallSnapshot) -> bool:
    assert tenant.id is not None
    call_id = str(snapshot.call_id)
    row = session.get(OutboundCall, call_id, with_for_update=True)
    if row is not None and row.revision >= snapshot.revision:
        return False
    if row is None:
        row = OutboundCall(call_id=call_id, tenant_id=tenant.id, revision=snapshot.revision, state=snapshot.state)
    previous_operator = row.operator_id
    attempt = _attempt_of(session, tenant.id, snapshot.attempt_id)
    order_id = snapshot.order_id if session.get(Order, snapshot.order_id or 0) is not None else None
    row.revision, row.state, row.outcome, row.on_hold = (
        snapshot.revision,
        snapshot.state,
        snapshot.outcome,
        snapshot.on_hold,
    )
    row.attempt_id = attempt.id if attempt is not None else None
    row.order_id = order_id if attempt is None else attempt.order_id
    row.customer_id = known_customer(session, tenant.id, snapshot.customer_id)
    row.operator_id = known_operator(session, snapshot.operator_id)
    row.leg = snapshot.operator_line
    row.offered_at, row.ringing_at = snapshot.offered_at, snapshot.ringing_at
    row.answered_at, row.ended_at = snapshot.answered_at, snapshot.ended_at
    row.talk_seconds, row.hold_seconds = snapshot.talk_seconds, snapshot.hold_seconds
    row.error_code, row.updated_at = snapshot.error_code, snapshot.ended_at or snapshot.offered_at
    session.add(row)
    wake_floors(session, tenant.id, [previous_operator, row.operator_id])
    if attempt is not None:
        _fill_attempt(session, outbox, attempt, row)
    return True


def _attempt_of(session: Session, tenant_id: int, attempt_id: int | None) -> Attempt | None:
    return lock_attempt_in_workflow_order(session, tenant_id, attempt_id, update_attempt=True)


def _fill_attempt(session: Session, outbox: Outbox, attempt: Attempt, call: OutboundCall) -> None:
    """The call's times become the attempt's. An attempt carries the latest call placed for it: a call
    that could not be placed may be followed by another one for the same attempt."""
    if attempt.call_id not in (None, call.call_id):
        current = session.get(OutboundCall, attempt.call_id)
        if current is not None and current.offered_at > call.offered_at:
            return
    attempt.call_id = call.call_id
    attempt.started_at = call.offered_at
    attempt.answered_at = call.answered_at
    attempt.talk_seconds, attempt.hold_seconds = call.talk_seconds, call.hold_seconds
    if call.state == "ended" and call.ended_at is not None:
        attempt.ended_at = call.ended_at
        if attempt.disposition is not None:
            # The disposition came first (recorded during the call): wrap-up is nil, not negative.
            attempt.wrap_up_ended_at = max(attempt.wrap_up_ended_at or call.ended_at, call.ended_at)
    session.add(attempt)
    if attempt.disposition is not None:
        complete_attempt(session, outbox, attempt, now=call.ended_at or call.offered_at)
