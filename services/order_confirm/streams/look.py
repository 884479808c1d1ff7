"""A stream's read, on the async engine: the login, the caller's scope, then the queue, the operator's own
current call and (supervisors and admins) the floor, compared with what the stream last told its client.

The login is checked on every read, as on every request; a read costs two statements for a queue (login and
tenants in one, the queue in the other), one for the current call when a call fact woke it (streams/calls.py),
plus the floor summary when that is due. On PostgreSQL a read runs in
autocommit mode: it only reads, so it spares the BEGIN and COMMIT round trips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import AuthSession, Operator, OperatorTenant
from services.order_confirm.security.tokens import AccessClaims, InvalidToken
from services.order_confirm.service import events
from services.order_confirm.service.auth import LOGIN_ENDED
from services.order_confirm.service.scope import Scope
from services.order_confirm.streams.calls import CallMark, call_mark, current_call_query

Event = tuple[str, dict[str, object]]
FLOOR_ROLES = (Role.SUPERVISOR.value, Role.ADMIN.value)
TOKEN_EXPIRED = "The access token has expired; refresh it or log in again."


@dataclass
class Seen:
    """What one stream last told its client (None: not read yet)."""

    queue: dict[int, events.TaskMark] | None = None
    floor: events.FloorMark | None = None
    call: CallMark | None = None  # the operator's current call (or the one that just ended); None: no call
    call_read: bool = False
    # The queue's statement for the scope it was built for (kept: building it costs more than running it).
    queue_query: tuple[tuple[str, frozenset[int]], Select[Any]] | None = None


@dataclass(frozen=True)
class Found:
    scope: Scope
    events: list[Event] = field(default_factory=list)


async def read(
    engine: AsyncEngine,
    claims: AccessClaims,
    seen: Seen,
    now: datetime,
    *,
    queue: bool,
    floor: bool,
    call: bool = False,
) -> Found:
    """Read what is due and update `seen`; the events describe what changed since the last read."""
    check_expiry(claims, now)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        if engine.dialect.name == "postgresql":
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        scope = await _scope(session, claims)
        found = Found(scope)
        if queue:
            found.events.extend(apply_queue(seen, await _queue_marks(session, seen, scope, now)))
        if call:
            await _read_call(session, claims.operator_id, seen, found)
        if floor and events.watches_floor(scope):
            mark = await session.run_sync(_floor_mark, scope, now)
            if seen.floor is not None and mark.digest != seen.floor.digest:
                found.events.append(("floor", {}))
            seen.floor = mark
        return found


@dataclass(frozen=True)
class QueueRead:
    """One read of a login's queue: the streams of that login (tabs) woken by the same note share it."""

    scope: Scope
    marks: dict[int, events.TaskMark]


def check_expiry(claims: AccessClaims, now: datetime) -> None:
    if claims.expires_at <= now:
        raise InvalidToken(TOKEN_EXPIRED)


async def read_queue(engine: AsyncEngine, claims: AccessClaims, seen: Seen, now: datetime) -> QueueRead:
    """The login check and the queue only (`read(queue=True, floor=False)` without comparing)."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        if engine.dialect.name == "postgresql":
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        scope = await _scope(session, claims)
        return QueueRead(scope, await _queue_marks(session, seen, scope, now))


def apply_queue(seen: Seen, marks: dict[int, events.TaskMark]) -> list[Event]:
    """The `queue` event for what changed since the stream's last read (none on its first), and remember."""
    found: list[Event] = []
    if seen.queue is not None and (change := events.queue_change(seen.queue, marks)):
        found.append(("queue", {**change.as_json()}))
    seen.queue = marks
    return found


async def _queue_marks(session: AsyncSession, seen: Seen, scope: Scope, now: datetime) -> dict[int, events.TaskMark]:
    rows = await (await session.connection()).execute(_queue_query(seen, scope), {"now": now})
    return events.marks_of(rows)


async def _read_call(session: AsyncSession, operator_id: int, seen: Seen, found: Found) -> None:
    query = current_call_query(operator_id, seen.call)
    current = call_mark((await (await session.connection()).execute(query)).first())
    if seen.call_read and current != seen.call:
        found.events.append(("call", call_event(current)))
    seen.call, seen.call_read = current, True


def _queue_query(seen: Seen, scope: Scope) -> Select[Any]:
    key = (scope.operator.role, scope.tenant_ids)
    if seen.queue_query is None or seen.queue_query[0] != key:
        seen.queue_query = key, events.queue_marks_query(scope, events.NOW)
    return seen.queue_query[1]


def call_event(current: CallMark | None) -> dict[str, object]:
    return {"call": current.as_json() if current is not None else None}


def _floor_mark(session: OrmSession, scope: Scope, now: datetime) -> events.FloorMark:
    assert isinstance(session, Session)  # sqlmodel's AsyncSession runs sqlmodel's Session
    return events.floor_mark(session, scope, now)


_OPERATORS: Table = Operator.__table__  # type: ignore[attr-defined]
# The login and the caller's tenants in one statement, built once (Core rows: no ORM identity work per read).
_SCOPE_QUERY = (
    sa_select(_OPERATORS, col(AuthSession.revoked_at).label("login_revoked_at"), col(OperatorTenant.tenant_id))
    .join(
        AuthSession,
        and_(col(AuthSession.operator_id) == _OPERATORS.c.id, col(AuthSession.id) == bindparam("session_id")),
    )
    .outerjoin(OperatorTenant, col(OperatorTenant.operator_id) == _OPERATORS.c.id)
    .where(_OPERATORS.c.id == bindparam("operator_id"))
)


async def _scope(session: AsyncSession, claims: AccessClaims) -> Scope:
    """The caller's scope, if their login is still open and their account active: one statement."""
    connection = await session.connection()
    found = await connection.execute(_SCOPE_QUERY, {"operator_id": claims.operator_id, "session_id": claims.session_id})
    rows = found.all()
    if not rows or rows[0].login_revoked_at is not None:
        raise InvalidToken(LOGIN_ENDED)
    operator = Operator(**{column.key: rows[0]._mapping[column] for column in _OPERATORS.columns})
    if not operator.active:
        raise InvalidToken("The account is disabled.")
    return Scope(operator, frozenset(int(row.tenant_id) for row in rows if row.tenant_id is not None))
