"""Owner assignment: every customer has exactly one owner, chosen atomically under any concurrency.

Assignments in one tenant take turns on the tenant's row lock (PostgreSQL `FOR NO KEY UPDATE`, which
leaves inserts referencing the tenant alone; SQLite serializes writers with BEGIN IMMEDIATE), so two
concurrent assignments see each other's result and load stays balanced, without locking every on-shift
operator per new customer. An operator working for several tenants is locked once chosen and their count
read again: if another tenant's assignment filled them meanwhile, the next candidate is tried. Customers
nobody could take wait in the tenant's pool (`owner_id IS NULL`); they are taken, oldest first, when an
operator comes on shift and by a periodic sweep (`SKIP LOCKED`, so sweeps on several replicas share the
work instead of queueing).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import ColumnElement, exists
from sqlmodel import Session, col, select

from services.order_confirm.domain.ownership import OwnerCandidate, choose_owner
from services.order_confirm.domain.vocabulary import OperatorStatus, Role, TaskStatus
from services.order_confirm.models import Customer, Operator, OperatorTenant, Order, Task, Tenant
from services.order_confirm.service import audit, timeline

ON_SHIFT = [status.value for status in OperatorStatus if status.on_shift]


def active_customer_counts(session: Session, operator_ids: list[int]) -> dict[int, int]:
    """Owned customers with at least one open order, per operator, across all their tenants (capacity is total).

    Read from the counter the database keeps (`Operator.active_customers`, maintained by triggers), so the cost
    does not grow with the orders; a column select, so a stale ORM copy of an operator cannot be returned."""
    if not operator_ids:
        return {}
    query = select(Operator.id, Operator.active_customers).where(col(Operator.id).in_(operator_ids))
    counts = {int(operator_id or 0): int(count) for operator_id, count in session.exec(query)}
    return {operator_id: counts.get(operator_id, 0) for operator_id in operator_ids}


def owner_candidates(session: Session, tenant_id: int) -> list[tuple[Operator, OwnerCandidate]]:
    """The tenant's on-shift operators with their loads; holds the tenant's assignment turn until commit."""
    session.exec(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update(key_share=True)).one()
    query = (
        select(Operator)
        .join(OperatorTenant, col(OperatorTenant.operator_id) == col(Operator.id))
        .where(
            OperatorTenant.tenant_id == tenant_id,
            Operator.role == Role.OPERATOR.value,
            col(Operator.active).is_(True),
            col(Operator.status).in_(ON_SHIFT),
        )
        .order_by(col(Operator.id))
    )
    # Reloaded, not taken from the identity map: the loads must be the database's, as of the tenant's turn.
    operators = list(session.exec(query.execution_options(populate_existing=True)))
    return [(op, _candidate(op, op.active_customers)) for op in operators if op.id is not None]


def _candidate(operator: Operator, active: int) -> OwnerCandidate:
    assert operator.id is not None
    idle_since = max(filter(None, (operator.last_assigned_at, operator.status_changed_at)))
    return OwnerCandidate(operator.id, OperatorStatus(operator.status), active, operator.capacity, idle_since)


def _lock_if_still_eligible(session: Session, operator: Operator, candidate: OwnerCandidate) -> bool:
    """Lock the chosen operator and re-read their load: another tenant may have filled them meanwhile."""
    fresh = session.exec(
        select(Operator.active_customers, Operator.status).where(Operator.id == operator.id).with_for_update()
    ).one()
    return replace(candidate, active_customers=fresh[0], status=OperatorStatus(fresh[1])).eligible


def assign_owner(session: Session, customer: Customer, *, now: datetime) -> Operator | None:
    """Give an unowned customer an owner; None leaves them in the pool. The caller holds the customer's lock."""
    if customer.owner_id is not None:
        return session.get(Operator, customer.owner_id)
    candidates = owner_candidates(session, customer.tenant_id)
    while (chosen := choose_owner([candidate for _, candidate in candidates])) is not None:
        owner = next(op for op, candidate in candidates if candidate is chosen)
        if _lock_if_still_eligible(session, owner, chosen):
            break
        candidates = [(op, candidate) for op, candidate in candidates if candidate is not chosen]
    if chosen is None:
        return None
    customer.owner_id, customer.owner_assigned_at, customer.updated_at = owner.id, now, now
    owner.last_assigned_at = now
    session.add_all([customer, owner])
    _hand_open_tasks_to_owner(session, customer, owner)
    fact = {"owner_id": owner.id, "owner_name": owner.name}
    timeline.add_event(session, customer, now=now, kind="owner_assigned", params=fact)
    audit.record(
        session,
        now=now,
        actor="system:ownership",
        action="customer.owner_assigned",
        entity="customer",
        entity_id=customer.id or 0,
        tenant_id=customer.tenant_id,
        before={"owner_id": None},
        after={"owner_id": owner.id},
    )
    # No flush here: the caller's next query (autoflush) or commit writes it, batched with what else is pending.
    return owner


def _hand_open_tasks_to_owner(session: Session, customer: Customer, owner: Operator) -> None:
    waiting = select(Task).where(
        Task.customer_id == customer.id,
        Task.status == TaskStatus.OPEN.value,
        col(Task.assignee_id).is_(None),
    )
    for task in session.exec(waiting):
        task.assignee_id = owner.id
        session.add(task)


def _has_open_order() -> ColumnElement[bool]:
    return exists().where(col(Order.customer_id) == col(Customer.id), col(Order.closed_at).is_(None))


def assign_waiting_customers(session: Session, tenant_id: int, *, now: datetime, limit: int = 500) -> int:
    """Take customers from the tenant's pool, oldest first, while someone on shift has room; returns how many."""
    query = (
        select(Customer)
        .where(Customer.tenant_id == tenant_id, col(Customer.owner_id).is_(None), _has_open_order())
        .order_by(col(Customer.created_at), col(Customer.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    assigned = 0
    for customer in list(session.exec(query)):
        if assign_owner(session, customer, now=now) is None:
            break
        assigned += 1
    return assigned


def sweep_pools(session: Session, *, now: datetime) -> int:
    """Safety net for the race "customer parked while an operator came on shift": retry every tenant's pool."""
    tenants = session.exec(
        select(Customer.tenant_id).where(col(Customer.owner_id).is_(None), _has_open_order()).distinct()
    )
    return sum(assign_waiting_customers(session, int(tenant_id), now=now) for tenant_id in list(tenants))
