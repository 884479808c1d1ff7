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

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, exists, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from services.order_confirm.domain.ownership import OwnerCandidate, choose_owner
from services.order_confirm.domain.vocabulary import OperatorStatus, Role, TaskStatus
from services.order_confirm.models import Customer, Operator, OperatorTenant, Order, Task, Tenant
from services.order_confirm.service import audit, timeline
from services.order_confirm.service.transaction_memo import memo

ON_SHIFT = [status.value for status in OperatorStatus if status.on_shift]
# Customers this transaction inserted (intake's upsert says so): nothing of theirs waits in the pool.
FRESH_CUSTOMERS = "okno_fresh_customers"
_TENANT_LOADS = "okno_tenant_loads"


def active_customer_counts(session: Session, operator_ids: list[int]) -> dict[int, int]:
    """Owned customers with at least one open order, per operator, across all their tenants (capacity is total).

    Read from the counter the database keeps (`Operator.active_customers`, maintained by triggers), so the cost
    does not grow with the orders; a column select, so a stale ORM copy of an operator cannot be returned."""
    if not operator_ids:
        return {}
    query = select(Operator.id, Operator.active_customers).where(col(Operator.id).in_(operator_ids))
    counts = {int(operator_id or 0): int(count) for operator_id, count in session.exec(query)}
    return {operator_id: counts.get(operator_id, 0) for operator_id in operator_ids}


@dataclass(frozen=True)
class Seat:
    """An operator who may become owners, as the assignment needs them (no ORM object: read per transaction)."""

    id: int
    name: str


# Built once: constructing these statements per batch cost as much as running them (the loads are read per
# transaction, and a batch of new customers is one transaction).
_TENANT_TURN = sa_select(col(Tenant.id)).where(col(Tenant.id) == bindparam("tenant")).with_for_update(key_share=True)
_LOADS = (
    sa_select(
        col(Operator.id),
        col(Operator.name),
        col(Operator.status),
        col(Operator.active_customers),
        col(Operator.capacity),
        col(Operator.last_assigned_at),
        col(Operator.status_changed_at),
    )
    .join(OperatorTenant, col(OperatorTenant.operator_id) == col(Operator.id))
    .where(
        col(OperatorTenant.tenant_id) == bindparam("tenant"),
        col(Operator.role) == Role.OPERATOR.value,
        col(Operator.active).is_(True),
        col(Operator.status).in_(ON_SHIFT),
    )
    .order_by(col(Operator.id))
)


def owner_candidates(session: Session, tenant_id: int) -> list[tuple[Seat, OwnerCandidate]]:
    """The tenant's on-shift operators with their loads, as of the tenant's assignment turn (held until commit).

    Read once per transaction: a batch of new customers (group_commit.py) takes the turn and reads the loads
    with its first, and counts every owner it assigns in (`assign_owner`). What other transactions change
    meanwhile (another tenant's assignments, orders closed by calls) is seen by the next transaction; a turn is
    taken only if the database agrees the operator is still on shift and under capacity."""
    loads: dict[int, list[tuple[Seat, OwnerCandidate]]] = memo(session, _TENANT_LOADS)
    if tenant_id in loads:
        return loads[tenant_id]
    connection = session.connection()
    # The turn first, then the loads in a statement of their own: its snapshot is taken after the turn's wait,
    # so it sees every owner the previous holder of the turn assigned.
    connection.execute(_TENANT_TURN, {"tenant": tenant_id}).one()
    # Columns, not ORM objects: the loads must be the database's as of the tenant's turn, not the identity
    # map's, and building 50 operators per batch cost more than the rest of the owner choice.
    loads[tenant_id] = [
        (Seat(row.id, row.name), _candidate(row)) for row in connection.execute(_LOADS, {"tenant": tenant_id})
    ]
    return loads[tenant_id]


_STATUSES = {status.value: status for status in OperatorStatus}


def _candidate(row: Any) -> OwnerCandidate:  # a row of `owner_candidates` query
    assigned, on_shift = row.last_assigned_at, row.status_changed_at  # `status_changed_at` is never NULL
    idle_since = on_shift if assigned is None else max(assigned, on_shift)
    return OwnerCandidate(row.id, _STATUSES[row.status], row.active_customers, row.capacity, idle_since)


def _take_turn_if_still_eligible(session: Session, operator_id: int, *, now: datetime) -> int | None:
    """Lock the chosen operator and record their turn in one statement, if they are still on shift and under
    capacity (`OwnerCandidate.eligible`): another tenant's assignment may have filled them meanwhile. Returns
    their active customers before this one, None if they cannot take them."""
    session.flush()  # the database's count includes every owner this transaction assigned so far
    taken = session.connection().execute(
        update(Operator)
        .where(
            col(Operator.id) == operator_id,
            col(Operator.status).in_(ON_SHIFT),
            col(Operator.active_customers) < col(Operator.capacity),
        )
        .values(last_assigned_at=now)
        .returning(col(Operator.active_customers))
    )
    active = taken.scalar()
    if active is not None:
        _turn_taken(session, operator_id, now)
    return active


def _turn_taken(session: Session, operator_id: int, now: datetime) -> None:
    """An operator object this session holds learns the turn written by a Core statement (not again at flush)."""
    operator = session.identity_map.get(identity_key(Operator, operator_id))
    if operator is not None:
        set_committed_value(operator, "last_assigned_at", now)


def take_turns(session: Session, wanted: dict[int, int], *, now: datetime) -> dict[int, int]:
    """`_take_turn_if_still_eligible` for several operators in one statement: operator id -> how many customers
    they are to take. Returns the active customers before them of each operator who can take them all (still
    on shift, and room for all of them); the others take none."""
    session.flush()
    taking = case(wanted, value=col(Operator.id))
    taken = session.connection().execute(
        update(Operator)
        .where(
            col(Operator.id).in_(sorted(wanted)),
            col(Operator.status).in_(ON_SHIFT),
            col(Operator.active_customers) + taking <= col(Operator.capacity),
        )
        .values(last_assigned_at=now)
        .returning(col(Operator.id), col(Operator.active_customers))
    )
    return {int(operator_id or 0): int(active) for operator_id, active in taken}


def choose_owners(session: Session, tenant_id: int, customer_ids: list[int], *, now: datetime) -> dict[int, Seat]:
    """`assign_owner`'s choice for several new customers of one tenant at once, in their order: chosen in memory
    as one by one would, then every chosen operator's turn taken in one statement (`take_turns`). An operator
    the database refuses (filled meanwhile by another tenant's assignment) leaves the candidates and their
    customers are chosen again. Customers nobody can take are left out (they wait in the pool). The caller
    holds the customers' locks and writes their owners."""
    candidates = owner_candidates(session, tenant_id)
    owners: dict[int, Seat] = {}
    waiting = list(customer_ids)
    while waiting:
        picks = _pick(candidates, waiting, now=now)
        if not picks:
            break
        counts = Counter(candidates[place][0].id for place in picks.values())
        taken = take_turns(session, dict(counts), now=now)
        refused = set()
        for place, (operator, candidate) in enumerate(candidates):
            if operator.id in taken:
                _turn_taken(session, operator.id, now)
                active = taken[operator.id] + counts[operator.id]  # the database's count, plus these customers
                candidates[place] = (operator, replace(candidate, active_customers=active, idle_since=now))
            elif operator.id in counts:
                refused.add(place)
        owners.update({customer: candidates[place][0] for customer, place in picks.items() if place not in refused})
        if not refused:
            break
        candidates[:] = [pair for place, pair in enumerate(candidates) if place not in refused]
        waiting = [customer for customer in waiting if customer not in owners]
    return owners


def _pick(candidates: list[tuple[Seat, OwnerCandidate]], customers: list[int], *, now: datetime) -> dict[int, int]:
    """Customer -> place in `candidates`, chosen one after another as `assign_owner` would (each choice counts
    in the next); stops when nobody is eligible. Counts the choices into `candidates`."""
    picks: dict[int, int] = {}
    for customer_id in customers:
        if (chosen := choose_owner([candidate for _, candidate in candidates])) is None:
            break
        place = next(n for n, (_, candidate) in enumerate(candidates) if candidate is chosen)
        counted = replace(chosen, active_customers=chosen.active_customers + 1, idle_since=now)
        candidates[place] = (candidates[place][0], counted)
        picks[customer_id] = place
    return picks


def assign_owner(session: Session, customer: Customer, *, now: datetime) -> Operator | None:
    """Give an unowned customer an owner; None leaves them in the pool. The caller holds the customer's lock."""
    if customer.owner_id is not None:
        return session.get(Operator, customer.owner_id)
    candidates = owner_candidates(session, customer.tenant_id)
    while (chosen := choose_owner([candidate for _, candidate in candidates])) is not None:
        place = next(n for n, (_, candidate) in enumerate(candidates) if candidate is chosen)
        seat = candidates[place][0]
        if (active := _take_turn_if_still_eligible(session, seat.id, now=now)) is not None:
            # Their load as the database has it, plus this customer (whose order is open): for the next choice.
            candidates[place] = (seat, replace(chosen, active_customers=active + 1, idle_since=now))
            break
        del candidates[place]
    if chosen is None:
        memo(session, FRESH_CUSTOMERS).pop(customer.id, None)  # their task is about to wait in the pool
        return None
    owner = session.get(Operator, seat.id)
    assert owner is not None  # locked by its turn
    customer.owner_id, customer.owner_assigned_at, customer.updated_at = owner.id, now, now
    session.add(customer)
    if customer.id not in memo(session, FRESH_CUSTOMERS):
        _hand_open_tasks_to_owner(session, customer, owner)
    fact = {"owner_id": owner.id, "owner_name": owner.name}
    timeline.add_event(session, customer, now=now, kind="owner_assigned", params=fact, at_commit=True)
    audit.record(
        session,
        at_commit=True,
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
