"""The claim (`POST /api/v1/queue/next`), the hottest write: SQLAlchemy Core on the async engine.

On PostgreSQL one statement does everything: it checks the access token's login session and the operator
(the JWT's signature and expiry are checked before, without the database), finds the caller's tenants,
returns the task a retried claim already holds (same idempotency key) or leases the next due one with
`FOR UPDATE SKIP LOCKED` (concurrent claims skip each other's rows instead of queueing on them), and joins
the order and the customer the answer shows, only the columns the answer shows. The partial index
`ix_tasks_claim` makes the search one range. The statement is built with SQLAlchemy Core once and runs as an
asyncpg prepared statement in autocommit: SQLAlchemy's per-execution work (a session, result processing, ORM
objects) cost more CPU than the database spends on the claim.
SQLite has neither SKIP LOCKED nor data-modifying CTEs; there the same pieces run as three statements inside
BEGIN IMMEDIATE, which serializes claims anyway. Semantics are those of `queue.claim_next` (the sync path).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    exists,
    literal,
    literal_column,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col

from services.common.db_async import async_transaction, pooled_driver
from services.common.types import UTCDateTime
from services.order_confirm.domain.vocabulary import Role, TaskStatus
from services.order_confirm.models import AuthSession, Customer, Operator, Order, Task
from services.order_confirm.security.tokens import AccessClaims
from services.order_confirm.service.queue import lease_is_free
from services.order_confirm.service.scope import tasks_of_operator
from services.order_confirm.streams import watch as streams_watch

WORKER_ROLES = (Role.OPERATOR.value, Role.SUPERVISOR.value)
# Constants written into the statement, not sent as parameters: PostgreSQL's cached (generic) plan must see
# `status = 'open'` to use the partial index and LIMIT 1 to stop at the first free row; with them as
# parameters it re-planned every claim (more than half of its CPU per claim; tests/.../test_claim_statement.py).
_OPEN: ColumnElement[str] = literal_column(f"'{TaskStatus.OPEN.value}'")
_ONE: ColumnElement[int] = literal_column("1")
_TASK = Task.__table__.c  # type: ignore[attr-defined]
_ORDER = Order.__table__.c  # type: ignore[attr-defined]
_CUSTOMER = Customer.__table__.c  # type: ignore[attr-defined]
# What the answer (api/views.QueueItem) shows, plus what joins it and whom the change concerns.
TASK_COLUMNS = (
    "id", "tenant_id", "order_id", "customer_id", "kind", "status", "priority", "due_at", "assignee_id",
    "is_cover", "lease_operator_id", "lease_expires_at", "lease_key", "note",
)  # fmt: skip
ORDER_COLUMNS = (
    "id", "external_id", "status", "version", "urgent", "total_minor", "currency", "delivery_date",
    "delivery_slot", "attempts_count",
)  # fmt: skip
CUSTOMER_COLUMNS = ("id", "name", "phone_e164", "phone_raw", "timezone", "owner_id", "bad_phone")

Answer = Mapping[str, Any]
"""The leased task's row: `t_<column>` of TASK_COLUMNS, `o_<column>` of ORDER_COLUMNS (all None for a task
without an order), `c_<column>` of CUSTOMER_COLUMNS."""


@dataclass(frozen=True)
class Claim:
    """What the claim found: the caller's role (None: the login has ended or the account is disabled) and
    the leased task's answer row (None: nothing is due)."""

    role: Role | None
    answer: Answer | None


async def claim_next(
    engine: AsyncEngine, claims: AccessClaims, now: datetime, *, lease: timedelta, key: str | None
) -> Claim:
    params = {
        "operator_id": claims.operator_id,
        "session_id": claims.session_id,
        "now": now,
        "lease_until": now + lease,
        "new_key": key or secrets.token_hex(8),
        "key": key,
    }
    if engine.dialect.name == "postgresql":
        statement = _ON_POSTGRESQL[key is not None]
        async with pooled_driver(engine) as driver:  # in arrival order (db_async.turn_at)
            row = await driver.fetchrow(statement.sql, *statement.arguments(params))
        claim = Claim(Role(row["role"]) if row["role"] else None, row if row["t_id"] is not None else None)
    else:
        async with async_transaction(engine) as session:
            claim = await _claim_step_by_step(await session.connection(), params)
    if claim.answer is not None:
        # Committed outside any ORM session, so no session hook saw it: the caller's queue and their floor
        # row show the lease.
        streams_watch.announce(engine.sync_engine, claim.answer["t_tenant_id"], [claims.operator_id])
    return claim


class _Statements:
    """The claim's statements, built once (building them costs far more than running them) with bound
    parameters: operator_id, session_id, now, lease_until, new_key and key."""

    def __init__(self) -> None:
        operator_id = bindparam("operator_id", type_=Integer)
        self.now = bindparam("now", type_=UTCDateTime)
        self.me = (
            select(col(Operator.role))
            .join(AuthSession, col(AuthSession.operator_id) == col(Operator.id))
            .where(
                col(AuthSession.id) == bindparam("session_id", type_=String),
                col(AuthSession.revoked_at).is_(None),
                col(Operator.id) == operator_id,
                col(Operator.active).is_(True),
            )
            .cte("me")
        )
        self.operator_id = operator_id
        self.mine = and_(
            tasks_of_operator(operator_id),
            col(Task.status) == _OPEN,
            # Constants, not an expanding parameter: the statement's text never changes.
            exists(select(self.me.c.role).where(self.me.c.role.in_([literal_column(f"'{r}'") for r in WORKER_ROLES]))),
        )
        self._one: dict[bool, Select[Any]] = {keyed: self._build_one(keyed) for keyed in (False, True)}
        # SQLite, step by step:
        self.role = select(self.me.c.role)
        self.held_id = select(self.held().subquery().c.id)
        self.next_due_id = self.next_due()
        self.lease_by_id = self.lease(bindparam("task_id", type_=Integer))
        self.answer = self._answer()

    def held(self) -> Select[Any]:
        """The task a retried claim with the same idempotency key already leased."""
        return (
            select(*(_TASK[name] for name in TASK_COLUMNS))
            .where(
                self.mine,
                col(Task.lease_operator_id) == self.operator_id,
                col(Task.lease_key) == bindparam("key", type_=String),
                col(Task.lease_expires_at) > self.now,
            )
            .limit(_ONE)
        )

    def next_due(self, *, unless_held: CTE | None = None) -> Select[Any]:
        """The caller's next due task with a free lease, locked (PostgreSQL skips rows others locked)."""
        query = select(col(Task.id)).where(self.mine, col(Task.due_at) <= self.now, lease_is_free(self.now))
        if unless_held is not None:
            query = query.where(~exists(select(unless_held.c.id)))
        order = (col(Task.priority).desc(), col(Task.due_at), col(Task.id))
        return query.order_by(*order).limit(_ONE).with_for_update(skip_locked=True)

    def lease(self, task_id: ColumnElement[Any]) -> Any:
        values = {
            "lease_operator_id": self.operator_id,
            "lease_expires_at": bindparam("lease_until", type_=UTCDateTime),
            "lease_key": bindparam("new_key", type_=String),
        }
        returned = (_TASK[name] for name in TASK_COLUMNS)
        return update(Task).where(col(Task.id) == task_id).values(**values).returning(*returned)

    def one_statement(self, *, keyed: bool) -> Select[Any]:
        return self._one[keyed]

    def _build_one(self, keyed: bool) -> Select[Any]:
        held = self.held().cte("held") if keyed else None
        picked = self.next_due(unless_held=held).cte("picked")
        claimed = self.lease(picked.c.id).cte("claimed")
        chosen = union_all(select(claimed), select(held)).subquery("chosen") if held is not None else claimed
        # A constant, not `literal(1)`: a bound value the prepared statement's caller would have to send.
        one_row = select(literal_column("1").label("one")).subquery("one")
        return (
            select(select(self.me.c.role).scalar_subquery().label("role"), *_labelled(chosen.c, _ORDER, _CUSTOMER))
            .select_from(one_row)
            .outerjoin(chosen, true())
            .outerjoin(Order, col(Order.id) == chosen.c.order_id)
            .outerjoin(Customer, col(Customer.id) == chosen.c.customer_id)
        )

    def _answer(self) -> Select[Any]:
        return (
            select(literal(None).label("role"), *_labelled(_TASK, _ORDER, _CUSTOMER))
            .outerjoin(Order, col(Order.id) == col(Task.order_id))
            .join(Customer, col(Customer.id) == col(Task.customer_id))
            .where(col(Task.id) == bindparam("task_id", type_=Integer))
        )


def _labelled(task: Any, order: Any, customer: Any) -> list[ColumnElement[Any]]:
    return [
        *(task[name].label(f"t_{name}") for name in TASK_COLUMNS),
        *(order[name].label(f"o_{name}") for name in ORDER_COLUMNS),
        *(customer[name].label(f"c_{name}") for name in CUSTOMER_COLUMNS),
    ]


@dataclass(frozen=True)
class DriverStatement:
    """A Core statement compiled once for asyncpg: its text, the order of its positional parameters and the
    values the statement itself binds (`status = 'open'`)."""

    sql: str
    names: tuple[str, ...]
    fixed: Mapping[str, Any]

    @classmethod
    def of(cls, statement: Select[Any]) -> DriverStatement:
        compiled = statement.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[no-untyped-call]
        fixed = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        return cls(str(compiled), tuple(compiled.positiontup or ()), fixed)

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        return [self.fixed[name] if name in self.fixed else params[name] for name in self.names]


async def _claim_step_by_step(connection: AsyncConnection, params: dict[str, Any]) -> Claim:
    statements = _STATEMENTS
    role = (await connection.execute(statements.role, params)).scalar()
    if role is None or role not in WORKER_ROLES:
        return Claim(Role(role) if role else None, None)
    task_id = (await connection.execute(statements.held_id, params)).scalar() if params["key"] else None
    if task_id is None:
        task_id = (await connection.execute(statements.next_due_id, params)).scalar()
        if task_id is None:
            return Claim(Role(role), None)
        await connection.execute(statements.lease_by_id, {**params, "task_id": task_id})
    row = (await connection.execute(statements.answer, {"task_id": task_id})).one()
    return Claim(Role(role), row._mapping)


_STATEMENTS = _Statements()
# The claim on PostgreSQL, without (False) and with (True) an idempotency key.
_ON_POSTGRESQL = {keyed: DriverStatement.of(_STATEMENTS.one_statement(keyed=keyed)) for keyed in (False, True)}


def postgresql_statement(*, keyed: bool) -> DriverStatement:
    """What the claim sends PostgreSQL (bench.queue's baseline sends the very same)."""
    return _ON_POSTGRESQL[keyed]
