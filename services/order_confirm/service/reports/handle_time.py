"""Handle time of finished calls: talk (start → end), wrap-up (end → next action) and their sum."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col

from services.order_confirm.domain.service_level import average
from services.order_confirm.domain.vocabulary import Disposition
from services.order_confirm.models import Attempt
from services.order_confirm.service.reports.frame import ReportFrame
from services.order_confirm.service.reports.grouping import Facts, labelled
from services.order_confirm.service.reports.sql import counted, seconds_between
from services.order_confirm.service.reports.table import GROUP_COLUMNS, Column, Kind, ReportTable

COLUMNS = [
    *GROUP_COLUMNS,
    Column("attempts", "Finished calls", Kind.COUNT),
    Column("reached", "Reached the customer", Kind.COUNT),
    Column("talk_seconds_total", "Talk time, s", Kind.SECONDS),
    Column("talk_seconds_avg", "Average talk, s", Kind.SECONDS),
    Column("wrap_up_seconds_avg", "Average wrap-up, s", Kind.SECONDS),
    Column("handle_seconds_avg", "Average handle time, s", Kind.SECONDS),
]


def handle_time_report(session: Session, frame: ReportFrame) -> ReportTable:
    facts = Facts(frame, col(Attempt.started_at), col(Attempt.operator_id), col(Attempt.tenant_id))
    wrapped = col(Attempt.wrap_up_ended_at).isnot(None)
    reached = col(Attempt.disposition).in_([d.value for d in Disposition if d.reached_customer])
    query = facts.select(
        Attempt,
        func.count().label("attempts"),
        counted(reached).label("reached"),
        func.coalesce(func.sum(seconds_between(Attempt.started_at, Attempt.ended_at)), 0).label("talk"),
        func.coalesce(func.sum(case((wrapped, seconds_between(Attempt.ended_at, Attempt.wrap_up_ended_at)))), 0).label(
            "wrap_up"
        ),
        counted(wrapped).label("wrapped"),
    ).where(col(Attempt.ended_at).isnot(None))
    figures = {row.key: _figures(row) for row in session.execute(query)}
    return ReportTable("handle_time", "Handle time", COLUMNS, labelled(session, frame, figures, lambda: _figures(None)))


def _figures(row: Any) -> dict[str, Any]:
    attempts, talk = (int(row.attempts), int(row.talk)) if row else (0, 0)
    wrap_up, wrapped = (int(row.wrap_up), int(row.wrapped)) if row else (0, 0)
    return {
        "attempts": attempts,
        "reached": int(row.reached) if row else 0,
        "talk_seconds_total": talk,
        "talk_seconds_avg": average(talk, attempts),
        "wrap_up_seconds_avg": average(wrap_up, wrapped),
        # Calls still in wrap-up count with their talk only, so the sum stays an honest lower bound.
        "handle_seconds_avg": average(talk + wrap_up, attempts),
    }
