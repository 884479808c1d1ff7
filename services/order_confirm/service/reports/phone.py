"""Phone service level: inbound calls answered within the tenant's threshold against its target, abandonment
(short abandons apart), average speed of answer, owner-answered share and AHT of every conversation — per
day, hour, operator or tenant (definitions: domain/phone_figures.py, docs/reports.md).

The facts are notify's call snapshots stored in `inbound_calls` and `outbound_calls`; they are read for the
report's period and grouped here, so the figures come from the one pure function the tests check.
Inbound calls are grouped by when they reached the shop and credited to the operator who answered
(unanswered ones to nobody: "Not answered"); outbound conversations by when they were placed, to their
operator.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy
from sqlalchemy import and_
from sqlmodel import Session, col, select

from services.order_confirm.domain.phone_figures import HandledCall, InboundCallFact, PhoneFigures, phone_figures
from services.order_confirm.domain.report_periods import Grouping
from services.order_confirm.models import Attempt, InboundCall, OutboundCall, TelephonySettings
from services.order_confirm.service.reports.frame import ReportFrame
from services.order_confirm.service.reports.grouping import NOT_CALLED, labelled
from services.order_confirm.service.reports.table import GROUP_COLUMNS, Column, Kind, ReportTable

NOT_ANSWERED = "Not answered"
DEFAULT_THRESHOLD_SECONDS = 20
DEFAULT_TARGET_PERCENT = 80

COLUMNS = [
    *GROUP_COLUMNS,
    Column("offered", "Inbound calls", Kind.COUNT),
    Column("short_abandons", "Short abandons (apart)", Kind.COUNT),
    Column("considered", "Calls counted", Kind.COUNT),
    Column("answered", "Answered", Kind.COUNT),
    Column("answered_within", "Answered within threshold", Kind.COUNT),
    Column("service_level", "Service level", Kind.SHARE),
    Column("service_level_target", "Service level target", Kind.SHARE),
    Column("abandoned", "Abandoned", Kind.COUNT),
    Column("abandonment_rate", "Abandonment rate", Kind.SHARE),
    Column("callbacks_requested", "Callbacks requested", Kind.COUNT),
    Column("asa_seconds", "Average speed of answer, s", Kind.SECONDS),
    Column("owner_answered", "Answered by the owner", Kind.COUNT),
    Column("owner_answered_share", "Owner-answered share", Kind.SHARE),
    Column("handled", "Conversations (in and out)", Kind.COUNT),
    Column("talk_seconds_avg", "Average talk, s", Kind.SECONDS),
    Column("hold_seconds_avg", "Average hold, s", Kind.SECONDS),
    Column("wrap_up_seconds_avg", "Average wrap-up, s", Kind.SECONDS),
    Column("aht_seconds", "Average handle time, s", Kind.SECONDS),
]


@dataclass(frozen=True)
class Target:
    threshold_seconds: int = DEFAULT_THRESHOLD_SECONDS
    target_share: float = DEFAULT_TARGET_PERCENT / 100


def tenant_targets(session: Session, tenant_ids: list[int]) -> dict[int, Target]:
    """Each tenant's threshold and target (defaults 20 s and 80 % until its telephony settings say)."""
    rows = session.exec(select(TelephonySettings).where(col(TelephonySettings.tenant_id).in_(tenant_ids)))
    found = {row.tenant_id: Target(row.service_level_seconds, row.service_level_target_percent / 100) for row in rows}
    return {tenant_id: found.get(tenant_id, Target()) for tenant_id in tenant_ids}


class _Groups:
    """Which group a fact falls in, and whether the caller may see it (frame scope)."""

    def __init__(self, frame: ReportFrame) -> None:
        self.frame = frame
        self.starts = [bucket.start for bucket in frame.buckets]

    def key(self, moment: datetime, operator_id: int | None, tenant_id: int) -> Any:
        if self.frame.grouping is Grouping.OPERATOR:
            return operator_id
        if self.frame.grouping is Grouping.TENANT:
            return tenant_id
        return self.frame.buckets[bisect_right(self.starts, moment) - 1].index

    def visible(self, operator_id: int | None) -> bool:
        if self.frame.operator_ids is None:
            return True
        return operator_id in self.frame.operator_ids or (operator_id is None and self.frame.unattributed)


def phone_report(session: Session, frame: ReportFrame) -> ReportTable:
    targets = tenant_targets(session, frame.tenant_ids)
    groups = _Groups(frame)
    inbound: dict[Any, list[InboundCallFact]] = {}
    handled: dict[Any, list[HandledCall]] = {}
    for call in _inbound_calls(session, frame):
        if not groups.visible(call.operator_id):
            continue
        key = groups.key(call.offered_at, call.operator_id, call.tenant_id)
        inbound.setdefault(key, []).append(_inbound_fact(call, targets[call.tenant_id]))
        if call.answered_at is not None:
            handled.setdefault(key, []).append(HandledCall(call.talk_seconds, call.hold_seconds, 0))
    for out, wrap_up_ended_at in _outbound_conversations(session, frame):
        if groups.visible(out.operator_id):
            key = groups.key(out.offered_at, out.operator_id, out.tenant_id)
            handled.setdefault(key, []).append(_handled(out, wrap_up_ended_at))
    single = targets[frame.tenant_ids[0]].target_share if len(frame.tenant_ids) == 1 else None
    figures = {
        key: _row(phone_figures(inbound.get(key, []), handled.get(key, [])), single)
        for key in set(inbound) | set(handled)
    }
    rows = labelled(session, frame, figures, lambda: _row(phone_figures([], []), single))
    for row in rows:
        if row["group"] == NOT_CALLED:
            row["group"] = NOT_ANSWERED
    meta = {
        "targets": {
            str(tenant_id): {"service_level_seconds": t.threshold_seconds, "target_share": t.target_share}
            for tenant_id, t in targets.items()
        }
    }
    return ReportTable("phone", "Phone service level", COLUMNS, rows, meta)


# Only the columns the figures need, as rows: a year of a busy shop's calls is read without building an ORM
# object per call.
_INBOUND_COLUMNS = (
    "tenant_id", "operator_id", "owner_id", "offered_at", "answered_at", "wait_seconds", "talk_seconds",
    "hold_seconds", "outcome", "abandoned", "short_abandon", "answered_role",
)  # fmt: skip
_OUTBOUND_COLUMNS = ("tenant_id", "operator_id", "offered_at", "ended_at", "talk_seconds", "hold_seconds")


def _inbound_calls(session: Session, frame: ReportFrame) -> Iterable[Any]:
    return session.execute(
        sqlalchemy.select(*(getattr(InboundCall, name) for name in _INBOUND_COLUMNS)).where(
            frame.in_tenants(InboundCall.tenant_id),
            col(InboundCall.offered_at) >= frame.start,
            col(InboundCall.offered_at) < frame.end,
            col(InboundCall.state) == "ended",
        )
    )


def _outbound_conversations(session: Session, frame: ReportFrame) -> Iterable[tuple[Any, datetime | None]]:
    carried = and_(col(Attempt.call_id) == col(OutboundCall.call_id), col(Attempt.id) == col(OutboundCall.attempt_id))
    query = (
        sqlalchemy.select(*(getattr(OutboundCall, name) for name in _OUTBOUND_COLUMNS), col(Attempt.wrap_up_ended_at))
        .outerjoin(Attempt, carried)
        .where(
            frame.in_tenants(OutboundCall.tenant_id),
            col(OutboundCall.offered_at) >= frame.start,
            col(OutboundCall.offered_at) < frame.end,
            col(OutboundCall.state) == "ended",
            col(OutboundCall.outcome) == "answered",
        )
    )
    return [(row, row.wrap_up_ended_at) for row in session.execute(query)]


def _inbound_fact(call: Any, target: Target) -> InboundCallFact:
    return InboundCallFact(
        answered=call.answered_at is not None,
        wait_seconds=call.wait_seconds,
        abandoned=call.abandoned,
        short_abandon=call.short_abandon,
        callback_requested=call.outcome == "callback_requested",
        answered_role=call.answered_role,
        had_owner=call.owner_id is not None,
        threshold_seconds=target.threshold_seconds,
    )


def _handled(call: Any, wrap_up_ended_at: datetime | None) -> HandledCall:
    wrap_up = 0
    if wrap_up_ended_at is not None and call.ended_at is not None:
        wrap_up = max(0, int((wrap_up_ended_at - call.ended_at).total_seconds()))
    return HandledCall(call.talk_seconds, call.hold_seconds, wrap_up)


def _row(figures: PhoneFigures, target_share: float | None) -> dict[str, Any]:
    row = {field.name: getattr(figures, field.name) for field in fields(figures)}
    row["service_level_target"] = target_share
    return row
