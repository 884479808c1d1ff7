"""`POST …/confirm`: the confirmation of the call in progress, or — with no call — a confirmation the customer
gave through another channel (a text, an e-mail, a messenger, the shop itself).

A confirmation without a call needs a reason (`409 call_required` otherwise): it is what the shop is told
and what a supervisor reads later, so "confirmed" never means "nobody spoke to the customer" silently. It is
recorded as such — audit `order.confirmed_elsewhere` (channel, reason), a timeline line, `close_reason`
`other_channel` — and makes no call attempt: no survey call follows, and the operator's call figures do not
count it. A paid order needs no reason: its payment by link is the customer's confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from services.common.problems import Conflict, Unprocessable
from services.order_confirm.domain import state_machine
from services.order_confirm.domain.reasons import ConfirmChannel
from services.order_confirm.domain.vocabulary import Disposition
from services.order_confirm.domain.vocabulary import OrderStatus as S
from services.order_confirm.models import Attempt, AuditEntry, Customer, Order
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service import audit, calls, outcomes, queue, timeline
from services.order_confirm.service.attempt_rules import AttemptInput
from services.order_confirm.service.scope import Scope, get_order

CLOSE_REASON = "other_channel"
# Orders waiting for a call (or paid) may be confirmed without one; in_call and awaiting_payment orders are
# in the middle of a call or a payment, and closed ones are closed.
WITHOUT_A_CALL = frozenset({S.AWAITING_CALL, S.NO_ANSWER, S.CALLBACK_SCHEDULED, S.UNREACHABLE, S.PAID})


class CallRequired(Conflict):
    code, title = "call_required", "Confirming without a call needs the channel and a reason"


class InvalidConfirmation(Unprocessable):
    code, title = "invalid_confirmation", "The confirmation is not valid"


@dataclass(frozen=True)
class Confirmation:
    comment: str | None = None  # for the shop and the courier ("leave at the door")
    channel: ConfirmChannel | None = None  # without a call: how the customer confirmed
    reason: str | None = None  # without a call: what they said, where
    idempotency_key: str | None = None


def confirm(
    session: Session, runtime: OrderConfirmRuntime, scope: Scope, order_id: int, *, data: Confirmation, now: datetime
) -> Attempt | None:
    """The attempt of the call confirmed, or None for a confirmation by another channel. Retried with the same
    Idempotency-Key, it answers what the first request did."""
    order = get_order(session, scope, order_id, for_update=True)
    earlier = calls.replayed_attempt(session, scope, order, data.idempotency_key)
    if earlier is not None or _replayed_elsewhere(session, scope, order, data.idempotency_key):
        return earlier
    if calls.open_attempt(session, order) is not None:
        if data.channel is not None or data.reason is not None:
            raise InvalidConfirmation(
                "A call is in progress: the confirmation is that call's; leave out channel and reason.",
                errors=[{"field": "channel" if data.channel else "reason", "message": "Only without a call."}],
            )
        attempt = AttemptInput(Disposition.CONFIRMED, comment=data.comment, idempotency_key=data.idempotency_key)
        return calls.record_attempt(session, runtime, scope, order_id, data=attempt, now=now)
    _confirm_elsewhere(session, runtime, scope, order, data=data, now=now)
    return None


def _replayed_elsewhere(session: Session, scope: Scope, order: Order, idempotency_key: str | None) -> bool:
    if not idempotency_key:
        return False
    entries = session.exec(
        select(AuditEntry).where(
            col(AuditEntry.action) == "order.confirmed_elsewhere",
            col(AuditEntry.entity) == "order",
            col(AuditEntry.entity_id) == str(order.id),
            col(AuditEntry.actor_id) == scope.operator_id,
        )
    ).all()
    return any((entry.after or {}).get("idempotency_key") == idempotency_key for entry in entries)


def _confirm_elsewhere(
    session: Session, runtime: OrderConfirmRuntime, scope: Scope, order: Order, *, data: Confirmation, now: datetime
) -> None:
    current = S(order.status)
    if current not in WITHOUT_A_CALL:
        state_machine.check_transition(current, S.CONFIRMED)  # a closed order: 409 with what is allowed
        raise CallRequired(f"An order that is {current.value} is confirmed in its call.", current=current.value)
    channel = data.channel or (ConfirmChannel.PAYMENT if current is S.PAID else None)
    if channel is None or (data.reason is None and current is not S.PAID):
        raise CallRequired(
            "No call is in progress on this order. Start the call first (POST …/call), or, if the customer "
            "confirmed through another channel, say which (`channel`) and how (`reason`).",
            current=current.value,
            channels=[value.value for value in ConfirmChannel],
        )
    queue.take_lease(session, scope, order, now, calls.lease_of(runtime))
    queue.close_open_tasks(session, order, now)
    changed = calls.has_changes(session, order)
    target = S.CONFIRMED_WITH_CHANGES if changed else S.CONFIRMED
    calls.set_status(session, scope, order, target, now)
    order.closed_at, order.close_reason, order.close_comment = now, CLOSE_REASON, data.comment
    session.add(order)
    after = {"status": order.status, "channel": channel.value, "reason": data.reason}
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="order.confirmed_elsewhere",
        entity="order",
        entity_id=order.id or 0,
        tenant_id=order.tenant_id,
        before={"status": current.value},
        after={**after, "idempotency_key": data.idempotency_key},
    )
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    timeline.add_event(
        session,
        customer,
        now=now,
        kind="confirmed_elsewhere",
        params={"external_id": order.external_id, "channel": channel.value, "reason": data.reason},
        order_id=order.id,
        actor=scope.operator,
    )
    outcomes.order_confirmed(session, runtime.outbox, order, scope.operator, now=now, with_changes=changed)
