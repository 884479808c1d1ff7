"""Calls: starting one, and recording how it ended (the disposition) with everything that follows from it:
the order's new status, the next task (retry or callback), outbox messages, timeline and audit."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from services.common.problems import Conflict, Unprocessable
from services.order_confirm.domain import state_machine
from services.order_confirm.domain.retry_policy import next_attempt_at
from services.order_confirm.domain.vocabulary import Disposition, OrderStatus, TaskKind, TaskStatus
from services.order_confirm.models import Attempt, AuditEntry, Customer, Order, Task
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service import audit, outcomes, queue, timeline
from services.order_confirm.service.attempt_rules import AttemptInput, check_attempt
from services.order_confirm.service.call_completion import complete_attempt, real_end
from services.order_confirm.service.policies import tenant_policy
from services.order_confirm.service.scope import Scope, get_order

NO_CONVERSATION = (Disposition.NO_ANSWER, Disposition.BUSY, Disposition.VOICEMAIL)


class CallInProgress(Conflict):
    code, title = "call_in_progress", "Another operator is on a call about this order"


class NoChangesRecorded(Unprocessable):
    code, title = "no_changes_recorded", "Nothing was changed in this order"


def lease_of(runtime: OrderConfirmRuntime) -> timedelta:
    return timedelta(seconds=runtime.settings.task_lease_seconds)


def open_attempt(session: Session, order: Order) -> Attempt | None:
    """The call in progress on the order (started, not ended), if any."""
    query = select(Attempt).where(col(Attempt.order_id) == order.id, col(Attempt.disposition).is_(None))
    return session.exec(query).first()


def replayed_attempt(session: Session, scope: Scope, order: Order, idempotency_key: str | None) -> Attempt | None:
    """The attempt an earlier request with the same Idempotency-Key recorded on this order."""
    if not idempotency_key:
        return None
    earlier = session.exec(
        select(Attempt).where(
            col(Attempt.operator_id) == scope.operator_id, col(Attempt.idempotency_key) == idempotency_key
        )
    ).first()
    return earlier if earlier is not None and earlier.order_id == order.id else None


def set_status(session: Session, scope: Scope, order: Order, target: OrderStatus, now: datetime) -> None:
    """Move the order (checked against the transition table), bump its version, audit before -> after."""
    before = {"status": order.status, "version": order.version}
    state_machine.check_transition(OrderStatus(order.status), target)
    order.status = target.value
    order.version += 1
    order.updated_at = now
    session.add(order)
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="order.status_changed",
        entity="order",
        entity_id=order.id or 0,
        tenant_id=order.tenant_id,
        before=before,
        after={"status": order.status, "version": order.version},
    )


def _begin_call(session: Session, scope: Scope, order: Order, now: datetime) -> None:
    if order.status == OrderStatus.UNREACHABLE:
        _reopen(session, scope, order, now)
    set_status(session, scope, order, OrderStatus.IN_CALL, now)


def _reopen(session: Session, scope: Scope, order: Order, now: datetime) -> None:
    """A call on an unreachable order (the customer called back, the shop fixed the number) opens it again:
    the retry policy counts from here, so its next unanswered call is retried instead of making it
    unreachable at once, and the shop hears `order.unreachable` again only if the policy gives up again."""
    before: dict[str, object] = {
        "status": order.status,
        "closed_at": order.closed_at.isoformat() if order.closed_at else None,
        "close_reason": order.close_reason,
        "attempts_before_reopen": order.attempts_before_reopen,
    }
    order.closed_at, order.close_reason, order.close_comment = None, None, None
    order.attempts_before_reopen = order.attempts_count
    session.add(order)
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="order.reopened",
        entity="order",
        entity_id=order.id or 0,
        tenant_id=order.tenant_id,
        before=before,
        after={"attempts_before_reopen": order.attempts_before_reopen},
    )
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    timeline.add_event(
        session,
        customer,
        now=now,
        kind="order_reopened",
        params={"external_id": order.external_id, "attempts_before": order.attempts_count},
        order_id=order.id,
        actor=scope.operator,
    )


def start_call(session: Session, runtime: OrderConfirmRuntime, scope: Scope, order_id: int, now: datetime) -> Attempt:
    """The operator dials: the order is in_call and an open attempt holds the start time. Repeating it
    while the call is open returns the same attempt."""
    order = get_order(session, scope, order_id, for_update=True)
    current = open_attempt(session, order)
    if current is not None:
        if current.operator_id != scope.operator_id:
            raise CallInProgress("Another operator is already on a call about this order.")
        return current
    task = queue.take_lease(session, scope, order, now, lease_of(runtime))
    _begin_call(session, scope, order, now)
    attempt = Attempt(
        tenant_id=order.tenant_id,
        order_id=order.id or 0,
        task_id=task.id if task else None,
        operator_id=scope.operator_id,
        started_at=now,
    )
    session.add(attempt)
    session.flush()
    return attempt


def record_attempt(
    session: Session, runtime: OrderConfirmRuntime, scope: Scope, order_id: int, *, data: AttemptInput, now: datetime
) -> Attempt:
    """Record how a call ended. With an Idempotency-Key, a retried request returns the first attempt."""
    order = get_order(session, scope, order_id, for_update=True)
    earlier = replayed_attempt(session, scope, order, data.idempotency_key)
    if earlier is not None:
        return earlier
    attempt = open_attempt(session, order)
    if attempt is not None and attempt.operator_id != scope.operator_id:
        raise CallInProgress("Another operator is on a call about this order; their attempt is still open.")
    check_attempt(data, now=now, open_call_started_at=attempt.started_at if attempt else None)
    task = queue.take_lease(session, scope, order, now, lease_of(runtime))
    if attempt is None:
        if order.status != OrderStatus.IN_CALL:
            _begin_call(session, scope, order, now)
        attempt = Attempt(
            tenant_id=order.tenant_id,
            order_id=order.id or 0,
            task_id=task.id if task else None,
            operator_id=scope.operator_id,
            started_at=data.started_at or now,
        )
    # A call carried by Okno ended when notify said so; the disposition then closes its wrap-up.
    carried_end = real_end(session, attempt)
    attempt.ended_at = carried_end or data.ended_at or now
    attempt.wrap_up_ended_at = max(now, carried_end) if carried_end else None
    attempt.disposition = data.disposition.value
    attempt.reason_code = data.reason_code
    attempt.comment = data.comment
    attempt.callback_at = data.callback_at
    attempt.idempotency_key = data.idempotency_key
    order.attempts_count += 1
    order.first_attempt_at = order.first_attempt_at or attempt.started_at
    session.add(attempt)
    session.flush()
    _apply_disposition(session, runtime, scope, order, attempt=attempt, now=now)
    return attempt


def _apply_disposition(
    session: Session, runtime: OrderConfirmRuntime, scope: Scope, order: Order, *, attempt: Attempt, now: datetime
) -> None:
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    disposition = Disposition(attempt.disposition or "")
    queue.close_open_tasks(session, order, now)
    if disposition in NO_CONVERSATION:
        _no_conversation(session, runtime, scope, order, customer=customer, attempt=attempt, now=now)
    elif disposition is Disposition.CALLBACK_REQUESTED:
        set_status(session, scope, order, OrderStatus.CALLBACK_SCHEDULED, now)
        assert attempt.callback_at is not None
        _next_task(
            session, order, customer, TaskKind.CALLBACK, due_at=attempt.callback_at, now=now, note=attempt.comment
        )
    elif disposition is Disposition.WRONG_NUMBER:
        customer.bad_phone = True
        session.add(customer)
        _close(session, scope, order, OrderStatus.UNREACHABLE, attempt=attempt, now=now)
        outcomes.order_unreachable(session, runtime.outbox, order, scope.operator, now=now)
    elif disposition is Disposition.CANCELLED:
        _close(session, scope, order, OrderStatus.CANCELLED, attempt=attempt, now=now)
        outcomes.order_cancelled(
            session, runtime.outbox, order, scope.operator, now=now, reason_code=attempt.reason_code or ""
        )
    else:
        changed = has_changes(session, order)
        if disposition is Disposition.CHANGED and not changed:
            raise NoChangesRecorded("Record the changes (PATCH the order) before confirming it as changed.")
        target = OrderStatus.CONFIRMED_WITH_CHANGES if changed else OrderStatus.CONFIRMED
        _close(session, scope, order, target, attempt=attempt, now=now)
        outcomes.order_confirmed(session, runtime.outbox, order, scope.operator, now=now, with_changes=changed)
    timeline.add_event(
        session,
        customer,
        now=now,
        kind="attempt",
        params=_attempt_fact(attempt, order),
        order_id=order.id,
        actor=scope.operator,
        details={"attempt_id": attempt.id, "disposition": attempt.disposition, "status": order.status},
    )
    complete_attempt(session, runtime.outbox, attempt, now=now)


def _no_conversation(
    session: Session,
    runtime: OrderConfirmRuntime,
    scope: Scope,
    order: Order,
    *,
    customer: Customer,
    attempt: Attempt,
    now: datetime,
) -> None:
    policy = tenant_policy(session, order.tenant_id)
    attempts = order.attempts_count - order.attempts_before_reopen  # the policy counts from the last reopening
    retry_at = next_attempt_at(policy.retry, attempts, now, ZoneInfo(customer.timezone))
    if retry_at is None:
        _close(session, scope, order, OrderStatus.UNREACHABLE, attempt=attempt, now=now)
        outcomes.order_unreachable(session, runtime.outbox, order, scope.operator, now=now)
        return
    attempt.next_attempt_at = retry_at
    session.add(attempt)
    set_status(session, scope, order, OrderStatus.NO_ANSWER, now)
    _next_task(session, order, customer, TaskKind.RETRY, due_at=retry_at, now=now, note=None)


def _close(
    session: Session, scope: Scope, order: Order, target: OrderStatus, *, attempt: Attempt, now: datetime
) -> None:
    set_status(session, scope, order, target, now)
    order.closed_at = now
    order.close_reason = attempt.reason_code or attempt.disposition
    order.close_comment = attempt.comment
    session.add(order)


def _next_task(
    session: Session,
    order: Order,
    customer: Customer,
    kind: TaskKind,
    *,
    due_at: datetime,
    now: datetime,
    note: str | None,
) -> Task:
    """The follow-up lands in the owner's queue; the cover rule may hand it on if they are off shift then."""
    task = Task(
        tenant_id=order.tenant_id,
        order_id=order.id,
        customer_id=customer.id or 0,
        kind=kind.value,
        status=TaskStatus.OPEN.value,
        priority=10 if order.urgent else (5 if kind is TaskKind.CALLBACK else 0),
        due_at=due_at,
        assignee_id=customer.owner_id,
        note=(note or "")[:500] or None,
        created_at=now,
    )
    session.add(task)
    session.flush()
    return task


def has_changes(session: Session, order: Order) -> bool:
    query = select(AuditEntry.id).where(
        col(AuditEntry.tenant_id) == order.tenant_id,
        col(AuditEntry.entity) == "order",
        col(AuditEntry.entity_id) == str(order.id),
        col(AuditEntry.action) == "order.changed",
    )
    return session.exec(query.limit(1)).first() is not None


def _attempt_fact(attempt: Attempt, order: Order) -> dict[str, object]:
    return {
        "external_id": order.external_id,
        "disposition": attempt.disposition,
        "reason_code": attempt.reason_code,
        "callback_at": timeline.iso(attempt.callback_at),
        "next_attempt_at": timeline.iso(attempt.next_attempt_at),
    }
