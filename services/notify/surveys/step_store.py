"""The SQL of one survey step, SQLAlchemy Core on the async engine: two statements per step.

1. `locked`: the survey row, locked (`FOR UPDATE`, PostgreSQL), with the reply already stored for this
   (CallSid, step) if a retry arrives after the original committed.
2. `store`: the step's row and the survey's new state. On PostgreSQL one statement: the step is inserted
   with `ON CONFLICT DO NOTHING` and the survey is updated only if that insert happened, so a retry that
   raced the original (its `locked` read ran on a snapshot taken before the original committed) changes
   nothing and replays the stored reply instead. SQLite serializes writers with BEGIN IMMEDIATE, so there
   the same pieces run as two plain statements.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, bindparam, exists, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notify.surveys.models import SurveyCall, SurveyStep

_CALLS = SurveyCall.__table__  # type: ignore[attr-defined]
_STEPS = SurveyStep.__table__  # type: ignore[attr-defined]
# What a step may change on the survey row (`voice.start/answer/status_changed` and `reports.close`).
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
_STEP_VALUES = ("survey_call_id", "call_sid", "step", "digits", "response", "received_at")


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
        self.locked = select(*_CALLS.c, seen).where(_CALLS.c.id == bindparam("survey_id")).with_for_update(of=_CALLS)
        step_values = {name: _param(_STEPS.c[name]) for name in _STEP_VALUES}
        call_values = {name: _param(_CALLS.c[name]) for name in CHANGED}
        by_id = _CALLS.c.id == bindparam("survey_id")
        stored = (
            pg_insert(_STEPS)
            .values(**step_values)
            .on_conflict_do_nothing(index_elements=[_STEPS.c.call_sid, _STEPS.c.step])
            .returning(_STEPS.c.id)
            .cte("stored")
        )
        self.store_pg = (
            update(_CALLS)
            .where(by_id, exists(select(stored.c.id)))
            .values(**call_values)
            .returning(_CALLS.c.id)
            .add_cte(stored)
        )
        self.insert_step = insert(_STEPS).values(**step_values)
        self.update_call = update(_CALLS).where(by_id).values(**call_values)
        self.stored_reply = select(_STEPS.c.response).where(
            _STEPS.c.call_sid == bindparam("step_call_sid"), _STEPS.c.step == bindparam("step_key")
        )


_SQL = _Statements()


async def locked(
    connection: AsyncConnection, survey_id: int, call_sid: str, step_key: str
) -> tuple[SurveyCall, str | None] | None:
    """The survey (its row locked until the transaction ends) and the stored reply to this step, if any."""
    params = {"survey_id": survey_id, "step_call_sid": call_sid, "step_key": step_key}
    row = (await connection.execute(_SQL.locked, params)).one_or_none()
    if row is None:
        return None
    values = row._mapping
    return SurveyCall(**{column.name: values[column.name] for column in _CALLS.c}), values["seen"]


async def store(connection: AsyncConnection, survey: SurveyCall, step: dict[str, Any]) -> str | None:
    """Write the step and the survey's state; None if stored, else the reply a racing original stored."""
    params = {"survey_id": survey.id, **{f"v_{name}": getattr(survey, name) for name in CHANGED}}
    params.update({f"v_{name}": value for name, value in step.items()})
    if connection.dialect.name == "postgresql":
        if (await connection.execute(_SQL.store_pg, params)).first() is not None:
            return None
        lookup = {"step_call_sid": step["call_sid"], "step_key": step["step"]}
        return str((await connection.execute(_SQL.stored_reply, lookup)).scalar_one())
    await connection.execute(_SQL.update_call, params)
    await connection.execute(_SQL.insert_step, params)
    return None
