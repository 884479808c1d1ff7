"""The SQL of one survey step: two statements, on whichever database notify runs on.

1. `locked`: the survey row, locked (`FOR UPDATE`, PostgreSQL, once a step lost a race), with the reply
   already stored for this (CallSid, step) if a retry arrives after the original committed.
2. `store`: the step's row, the survey's new state and, when the step closes the survey, its
   `SurveyAnswered` outbox row. A retry that raced the original (its `locked` read ran on a snapshot taken
   before the original committed) changes nothing and gets the stored reply back instead.

`open_steps` picks the implementation. PostgreSQL: asyncpg prepared statements on a pooled connection's
driver, taken from the pool without SQLAlchemy's connection objects (db_async.pooled_driver; step_sql.py),
optimistic (no lock, no transaction; `store` answers `STALE` when another webhook of the call changed the
survey since the read, and the step is applied again under the lock), the outbox row written by the store
statement itself and handed to the batch relay after the commit. SQLite (the embedded mode): SQLAlchemy
Core on the async session in one transaction; BEGIN IMMEDIATE serializes writers, so the update and the
insert are two plain statements and the report goes through `Outbox.add`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol, cast, final

from sqlalchemy import Column, bindparam, insert, select, update
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import is_sqlite
from services.common.db_async import pooled_driver
from services.common.messaging.outbox import Outbox
from services.common.request_sessions import async_session
from services.common.runtime import Runtime
from services.notify.surveys.models import SurveyCall, SurveyStep
from services.notify.surveys.reports import report


@dataclass(slots=True)
class SurveyState:
    """The survey row as a step reads and changes it: a plain object, since building the ORM row from the
    result cost more CPU than the statement (issue 13)."""

    id: int
    tenant: str
    attempt_id: int
    order_id: int
    customer_id: int
    operator_id: int
    language: str
    ask_callback: bool
    status: str
    skip_reason: str | None
    call_sid: str | None
    call_status: str | None
    answered_by: str | None
    csat: int | None
    nps: int | None
    callback_requested: bool
    opted_out: bool
    finished_at: datetime | None
    reported_at: datetime | None
    updated_at: datetime


# The columns `locked` reads, in `SurveyState`'s order; and what a step may change (`voice`, `reports.close`).
READ = tuple(field.name for field in fields(SurveyState))
CHANGED = (
    "call_sid",
    "call_status",
    "answered_by",
    "csat",
    "nps",
    "callback_requested",
    "opted_out",
    "status",
    "skip_reason",
    "finished_at",
    "reported_at",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class StepRow:
    """One applied webhook: its (CallSid, step) key and the reply a retry of it gets back."""

    survey_call_id: int
    call_sid: str
    step: str
    digits: str | None
    response: str
    received_at: datetime


@final
class StaleRead:
    """What `store` answers when the survey changed since its read: nothing was written, read again."""


STALE = StaleRead()


class StepStore(Protocol):
    async def locked(self, survey_id: int, call_sid: str, step_key: str) -> tuple[SurveyState, str | None] | None:
        """The survey (its row locked until the transaction ends) and the stored reply to this step, if any."""

    async def store(self, survey: SurveyState, step: StepRow, *, closed: bool) -> str | StaleRead | None:
        """Write the step and the survey's state (with its report when `closed`); None if stored, else the reply
        a racing original stored, or `STALE` (nothing written either way)."""


@asynccontextmanager
async def open_steps(runtime: Runtime[Any]) -> AsyncIterator[StepStore]:
    """One step's transaction: committed when the block ends, rolled back if it raises."""
    if is_sqlite(runtime.engine):
        async with async_session(runtime) as session:
            yield CoreSteps(session, runtime.outbox)
        return
    from services.notify.surveys.step_sql import DriverSteps

    async with pooled_driver(runtime.async_engines.current()) as driver:
        steps = DriverSteps(driver, runtime.outbox)
        try:
            yield steps
        except BaseException:
            await steps.end(commit=False)
            raise
        await steps.end(commit=True)
    if steps.held is not None:  # committed: publish the report now, off this request's path
        runtime.batch_relay.hold(steps.held)


_CALLS = SurveyCall.__table__  # type: ignore[attr-defined]
_STEPS = SurveyStep.__table__  # type: ignore[attr-defined]
_STEP_VALUES = tuple(field.name for field in fields(StepRow))


def _param(column: Column[Any]) -> Any:
    # "v_": a bind parameter may not be named like a column of the statement's SET or VALUES.
    return bindparam(f"v_{column.name}", type_=column.type)


class _Statements:
    """Built once: building a statement costs far more than running it."""

    def __init__(self) -> None:
        seen = (
            select(_STEPS.c.response)
            .where(_STEPS.c.call_sid == bindparam("step_call_sid"), _STEPS.c.step == bindparam("step_key"))
            .scalar_subquery()
            .label("seen")
        )
        read = [_CALLS.c[name] for name in READ]
        self.locked = select(*read, seen).where(_CALLS.c.id == bindparam("survey_id")).with_for_update(of=_CALLS)
        self.insert_step = insert(_STEPS).values(**{name: _param(_STEPS.c[name]) for name in _STEP_VALUES})
        by_id = _CALLS.c.id == bindparam("survey_id")
        self.update_call = update(_CALLS).where(by_id).values(**{name: _param(_CALLS.c[name]) for name in CHANGED})


_SQL = _Statements()


class CoreSteps:
    """SQLite: SQLAlchemy Core on the step's async session."""

    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        self.session = session
        self.outbox = outbox

    async def locked(self, survey_id: int, call_sid: str, step_key: str) -> tuple[SurveyState, str | None] | None:
        params = {"survey_id": survey_id, "step_call_sid": call_sid, "step_key": step_key}
        connection = await self.session.connection()
        row = (await connection.execute(_SQL.locked, params)).one_or_none()
        if row is None:
            return None
        return SurveyState(*row[: len(READ)]), row[len(READ)]

    async def store(self, survey: SurveyState, step: StepRow, *, closed: bool) -> str | StaleRead | None:
        params: dict[str, Any] = {"survey_id": survey.id, **{f"v_{name}": getattr(survey, name) for name in CHANGED}}
        params.update({f"v_{name}": getattr(step, name) for name in _STEP_VALUES})
        connection = await self.session.connection()
        await connection.execute(_SQL.update_call, params)
        await connection.execute(_SQL.insert_step, params)
        if closed:
            await self.session.run_sync(lambda sync: report(cast(Session, sync), self.outbox, survey))
        return None
