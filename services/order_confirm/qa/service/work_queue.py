"""The weekly QA work queue: each operator's random sample of a finished week, drawn once, plus the
conversations flagged automatically, each item with every reason it is there.

The sample is drawn by the scheduler after the week ends, or the first time anyone opens the week (seeded,
so a concurrent draw gives the same rows, and the unique (tenant, week, attempt) keeps one of each); flags
are looked at again on every read, so a survey answered after the draw still brings its call in. Items are
never taken out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.db import transaction
from services.common.problems import Unprocessable
from services.order_confirm.models import Attempt, Operator, Tenant
from services.order_confirm.qa.domain.flags import flagged
from services.order_confirm.qa.domain.policy import QaPolicy
from services.order_confirm.qa.domain.sampling import weekly_sample
from services.order_confirm.qa.domain.weeks import Week, last_finished_week, week_of
from services.order_confirm.qa.models import QaEvaluation, QaSampleItem, QaSampleWeek
from services.order_confirm.qa.service.conversations import talk_seconds, week_conversations
from services.order_confirm.qa.service.tenant_settings import qa_settings

SAMPLE = "sample"
log = structlog.get_logger(__name__)


class WeekNotFinished(Unprocessable):
    code, title = "week_not_finished", "The week has not ended yet"


@dataclass(frozen=True)
class WorkQueue:
    week: Week
    drawn: QaSampleWeek
    items: list[QaSampleItem]


def the_week(tenant: Tenant, monday: date | None, now: datetime) -> Week:
    tz = ZoneInfo(tenant.timezone)
    week = last_finished_week(now, tz) if monday is None else week_of(monday, tz)
    if week.end > now:
        raise WeekNotFinished(
            f"The week of {week.monday} ends {week.end.isoformat()}; its sample is drawn from the whole week."
        )
    return week


def work_queue(session: Session, tenant: Tenant, week: Week, policy: QaPolicy, *, now: datetime) -> WorkQueue:
    drawn = _draw(session, tenant, week, policy, now=now)
    _add_flags(session, tenant, week, policy, now=now)
    items = session.exec(
        select(QaSampleItem)
        .where(QaSampleItem.tenant_id == tenant.id, QaSampleItem.week == week.monday)
        .order_by(col(QaSampleItem.operator_id), col(QaSampleItem.attempt_id))
    ).all()
    return WorkQueue(week, drawn, list(items))


def draw_due(engine: Engine, *, now: datetime) -> int:
    """Draw last week's sample (and flags) of every tenant that has none yet, one transaction per tenant, so the
    plan report is complete on Monday whether or not anyone opened the queue. Returns the weeks drawn."""
    with Session(engine) as session:
        tenants = [(t.id, t.timezone) for t in session.exec(select(Tenant)) if t.id is not None]
    drawn = 0
    for tenant_id, timezone in tenants:
        week = last_finished_week(now, ZoneInfo(timezone))
        with transaction(engine) as session:
            tenant = session.get(Tenant, tenant_id)
            if tenant is None or session.get(QaSampleWeek, (tenant_id, week.monday)) is not None:
                continue
            work_queue(session, tenant, week, qa_settings(tenant), now=now)
            drawn += 1
            log.info("qa.sample_drawn", tenant_id=tenant_id, week=week.monday.isoformat())
    return drawn


def _draw(session: Session, tenant: Tenant, week: Week, policy: QaPolicy, *, now: datetime) -> QaSampleWeek:
    assert tenant.id is not None
    found = session.get(QaSampleWeek, (tenant.id, week.monday))
    if found is not None:
        return found
    conversations = week_conversations(session, tenant, week)
    picks = weekly_sample(conversations, per_operator=policy.sample_per_operator, seed=f"{tenant.id}:{week.monday}")
    drawn = QaSampleWeek(
        tenant_id=tenant.id,
        week=week.monday,
        per_operator=policy.sample_per_operator,
        planned={str(operator_id): len(attempts) for operator_id, attempts in picks.items() if attempts},
        drawn_at=now,
    )
    try:
        with session.begin_nested():
            session.add(drawn)
            for operator_id, attempts in picks.items():
                for attempt_id in attempts:
                    session.add(_item(tenant.id, week, attempt_id, operator_id, [{"kind": SAMPLE}], now))
    except IntegrityError:  # drawn at the same moment by someone else: the same seed gave the same rows
        existing = session.get(QaSampleWeek, (tenant.id, week.monday))
        assert existing is not None
        return existing
    return drawn


def _add_flags(session: Session, tenant: Tenant, week: Week, policy: QaPolicy, *, now: datetime) -> None:
    assert tenant.id is not None
    conversations = week_conversations(session, tenant, week)
    flags = flagged(conversations, long_call_factor=policy.long_call_factor)
    if not flags:
        return
    operators = {c.attempt_id: c.operator_id for c in conversations}
    items = {
        item.attempt_id: item
        for item in session.exec(
            select(QaSampleItem).where(
                QaSampleItem.tenant_id == tenant.id,
                QaSampleItem.week == week.monday,
                col(QaSampleItem.attempt_id).in_(sorted(flags)),
            )
        )
    }
    for attempt_id, found in sorted(flags.items()):
        reasons = [{"kind": flag.kind.value, "detail": flag.detail} for flag in found]
        item = items.get(attempt_id)
        if item is None:
            try:
                with session.begin_nested():
                    session.add(_item(tenant.id, week, attempt_id, operators[attempt_id], reasons, now))
            except IntegrityError:  # added by a concurrent read; the next read merges its reasons
                continue
            continue
        known = {reason["kind"] for reason in item.reasons}
        new = [reason for reason in reasons if reason["kind"] not in known]
        if new:
            item.reasons = [*item.reasons, *new]  # a new list: the JSON column sees the change
            session.add(item)


def _item(
    tenant_id: int, week: Week, attempt_id: int, operator_id: int, reasons: list[dict[str, Any]], now: datetime
) -> QaSampleItem:
    return QaSampleItem(
        tenant_id=tenant_id,
        week=week.monday,
        attempt_id=attempt_id,
        operator_id=operator_id,
        reasons=reasons,
        added_at=now,
    )


def queue_rows(session: Session, queue: WorkQueue, operators: set[int] | None) -> list[dict[str, Any]]:
    """The items the caller may see (None = all), each with its call and the regular evaluations made so far."""
    items = [item for item in queue.items if operators is None or item.operator_id in operators]
    ids = [item.attempt_id for item in items]
    attempts = {a.id: a for a in session.exec(select(Attempt).where(col(Attempt.id).in_(ids)))}
    names = _names(session, {item.operator_id for item in items})
    evaluations = _current_evaluations(session, ids)
    rows = []
    for item in items:
        attempt = attempts[item.attempt_id]
        done = evaluations.get(item.attempt_id, [])
        rows.append(
            {
                "attempt_id": item.attempt_id,
                "operator": {"id": item.operator_id, "name": names.get(item.operator_id, "")},
                "started_at": attempt.started_at,
                "outcome": attempt.disposition,
                "talk_seconds": talk_seconds(attempt),
                "reasons": item.reasons,
                "state": _state(done),
                "evaluations": [
                    {"id": e.id, "evaluator_id": e.evaluator_id, "status": e.status, "score": _percent(e)} for e in done
                ],
            }
        )
    return rows


def plan_rows(session: Session, queue: WorkQueue, operators: set[int] | None) -> list[dict[str, Any]]:
    """Per operator: conversations sampled (the plan), how many of them are evaluated, flagged ones."""
    planned = {int(operator_id): count for operator_id, count in queue.drawn.planned.items()}
    wanted = {item.operator_id for item in queue.items} | set(planned)
    if operators is not None:
        wanted &= operators
    evaluations = _current_evaluations(session, [item.attempt_id for item in queue.items])
    names = _names(session, wanted)
    rows = []
    for operator_id in sorted(wanted):
        mine = [item for item in queue.items if item.operator_id == operator_id]
        sampled = [item for item in mine if any(r["kind"] == SAMPLE for r in item.reasons)]
        rows.append(
            {
                "operator": {"id": operator_id, "name": names.get(operator_id, "")},
                "planned": planned.get(operator_id, 0),
                "sample_evaluated": sum(
                    1 for item in sampled if _state(evaluations.get(item.attempt_id, [])) == "done"
                ),
                "flagged": sum(1 for item in mine if any(r["kind"] != SAMPLE for r in item.reasons)),
            }
        )
    return rows


def _current_evaluations(session: Session, attempt_ids: list[int]) -> dict[int, list[QaEvaluation]]:
    found: dict[int, list[QaEvaluation]] = {}
    rows = session.exec(
        select(QaEvaluation)
        .where(
            col(QaEvaluation.attempt_id).in_(attempt_ids),
            QaEvaluation.kind == "regular",
            col(QaEvaluation.superseded_by_id).is_(None),
        )
        .order_by(col(QaEvaluation.id))
    )
    for evaluation in rows:
        found.setdefault(evaluation.attempt_id, []).append(evaluation)
    return found


def _state(evaluations: list[QaEvaluation]) -> str:
    if any(e.status == "submitted" for e in evaluations):
        return "done"
    return "in_progress" if evaluations else "to_do"


def _percent(evaluation: QaEvaluation) -> float | None:
    return None if evaluation.score_hundredths is None else evaluation.score_hundredths / 100


def _names(session: Session, operator_ids: set[int]) -> dict[int, str]:
    rows = session.exec(select(Operator.id, Operator.name).where(col(Operator.id).in_(sorted(operator_ids))))
    return {operator_id: name for operator_id, name in rows if operator_id is not None}
