"""One window over time: a customer's whole history, notes for the next shift, and permanent reassignment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from services.common.problems import Unprocessable
from services.order_confirm.domain.vocabulary import Role, TaskStatus
from services.order_confirm.models import Customer, Note, Operator, Order, Task, TimelineEvent
from services.order_confirm.service import audit, timeline
from services.order_confirm.service.scope import Scope, get_customer, get_operator_in_tenant

# A note sent twice this quickly by the same person is a double click or a retried request, not two notes.
NOTE_REPEAT_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class CustomerHistory:
    customer: Customer
    owner: Operator | None
    orders: list[Order]
    events: list[TimelineEvent]
    notes: list[Note]


def history(session: Session, scope: Scope, customer_id: int, *, limit: int = 500) -> CustomerHistory:
    customer = get_customer(session, scope, customer_id)
    orders = session.exec(
        select(Order).where(col(Order.customer_id) == customer.id).order_by(col(Order.received_at), col(Order.id))
    ).all()
    # Newest `limit` events, shown oldest first so the story reads top to bottom.
    events = session.exec(
        select(TimelineEvent)
        .where(col(TimelineEvent.customer_id) == customer.id)
        .order_by(col(TimelineEvent.occurred_at).desc(), col(TimelineEvent.id).desc())
        .limit(limit)
    ).all()
    notes = session.exec(
        select(Note).where(col(Note.customer_id) == customer.id).order_by(col(Note.created_at), col(Note.id))
    ).all()
    owner = session.get(Operator, customer.owner_id) if customer.owner_id else None
    return CustomerHistory(customer, owner, list(orders), list(reversed(events)), list(notes))


def add_note(
    session: Session, scope: Scope, customer_id: int, *, text: str, order_id: int | None, now: datetime
) -> Note:
    customer = get_customer(session, scope, customer_id, for_update=True)
    if order_id is not None:
        order = session.get(Order, order_id)
        if order is None or order.customer_id != customer.id:
            raise Unprocessable(
                f"Order {order_id} is not one of this customer's orders.",
                errors=[{"field": "order_id", "message": "Not an order of this customer."}],
            )
    repeat = session.exec(
        select(Note).where(
            col(Note.customer_id) == customer.id,
            col(Note.author_id) == scope.operator_id,
            col(Note.text) == text,
            col(Note.created_at) >= now - NOTE_REPEAT_WINDOW,
        )
    ).first()
    if repeat is not None:
        return repeat
    note = Note(
        tenant_id=customer.tenant_id,
        customer_id=customer.id or 0,
        order_id=order_id,
        author_id=scope.operator_id,
        text=text,
        created_at=now,
    )
    session.add(note)
    session.flush()
    timeline.add_event(
        session,
        customer,
        now=now,
        kind="note",
        params={"text": text},
        order_id=order_id,
        actor=scope.operator,
        details={"note_id": note.id},
    )
    return note


def reassign_owner(
    session: Session, scope: Scope, customer_id: int, *, new_owner_id: int, reason: str, now: datetime
) -> Customer:
    """A supervisor moves the customer to another operator for good: open tasks follow the new owner."""
    customer = get_customer(session, scope, customer_id, for_update=True)
    new_owner = get_operator_in_tenant(session, scope, new_owner_id, customer.tenant_id)
    if new_owner.role != Role.OPERATOR.value:
        raise Unprocessable(
            f"{new_owner.login} is not an operator.",
            errors=[{"field": "operator_id", "message": "Only operators own customers."}],
        )
    if customer.owner_id == new_owner.id:
        return customer
    before = {"owner_id": customer.owner_id}
    customer.owner_id = new_owner.id
    customer.owner_assigned_at = now
    customer.updated_at = now
    session.add(customer)
    moved = 0
    for task in session.exec(
        select(Task).where(col(Task.customer_id) == customer.id, col(Task.status) == TaskStatus.OPEN.value)
    ):
        task.assignee_id = new_owner.id
        task.is_cover = False
        session.add(task)
        moved += 1
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="customer.owner_changed",
        entity="customer",
        entity_id=customer.id or 0,
        tenant_id=customer.tenant_id,
        before=before,
        after={"owner_id": new_owner.id, "reason": reason, "tasks_moved": moved},
    )
    timeline.add_event(
        session,
        customer,
        now=now,
        kind="owner_changed",
        params={"owner_id": new_owner.id, "owner_name": new_owner.name, "reason": reason},
        actor=scope.operator,
        details={"before": before["owner_id"], "after": new_owner.id, "reason": reason},
    )
    return customer
