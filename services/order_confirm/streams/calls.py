"""The operator's own current call, as the `call` event tells their console's softphone bar.

notify's call facts (telephony/facts.py, telephony/inbound.py) wake the streams of the call's operators; a
woken stream reads the operator's current call — their newest call not over yet — and, if the bar has been
following a call that is over now, that call once more, so the bar hears how it ended. Only the operator's
own calls: the query is bound to the stream's operator, never to an id the client sends.

A live call is found through the partial indexes of each table's live calls per operator (`state` other than
`ended`), so an operator's call history never grows the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, case, cast, literal, null, select, union_all
from sqlalchemy.engine import Row
from sqlmodel import col

from services.order_confirm.telephony.models import InboundCall, OutboundCall

ENDED = "ended"


@dataclass(frozen=True)
class CallMark:
    """What the bar shows of a call; two marks differ exactly when the bar must change."""

    call_id: str
    direction: str  # outbound | inbound
    line: str | None  # outbound: the operator's leg, browser | phone ("call my phone first")
    state: str  # contracts.telephony.CallState
    on_hold: bool
    answered_at: datetime | None
    ended_at: datetime | None
    order_id: int | None
    customer_id: int | None

    def as_json(self) -> dict[str, object]:
        return {
            "call_id": self.call_id,
            "direction": self.direction,
            "line": self.line,
            "state": self.state,
            "on_hold": self.on_hold,
            "answered_at": _iso(self.answered_at),
            "ended_at": _iso(self.ended_at),
            "order_id": self.order_id,
            "customer_id": self.customer_id,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def current_call_query(operator_id: int, following: CallMark | None) -> Select[Any]:
    """One statement: the operator's live calls, and the call the bar follows (if any) whatever its state;
    the newest live call first, the followed one only when nothing is live."""
    parts = [_outbound().where(col(OutboundCall.operator_id) == operator_id, col(OutboundCall.state) != ENDED)]
    parts.append(_inbound().where(col(InboundCall.operator_id) == operator_id, col(InboundCall.state) != ENDED))
    if following is not None:
        table = OutboundCall if following.direction == "outbound" else InboundCall
        chosen = _outbound() if table is OutboundCall else _inbound()
        parts.append(chosen.where(col(table.call_id) == following.call_id, col(table.operator_id) == operator_id))
    calls = union_all(*parts).subquery()
    over = case((calls.c.state == ENDED, 1), else_=0)
    return select(calls).order_by(over, calls.c.offered_at.desc(), calls.c.call_id).limit(1)


def _outbound() -> Select[Any]:
    return select(
        col(OutboundCall.call_id).label("call_id"),
        literal("outbound", String).label("direction"),
        col(OutboundCall.leg).label("line"),
        *_common(OutboundCall),
    )


def _inbound() -> Select[Any]:
    return select(
        col(InboundCall.call_id).label("call_id"),
        literal("inbound", String).label("direction"),
        cast(null(), String).label(
            "line"
        ),  # notify's snapshot names the leg; order_confirm keeps it for outbound calls only
        *_common(InboundCall),
    )


def _common(table: type[OutboundCall] | type[InboundCall]) -> list[Any]:
    return [
        col(table.state).label("state"),
        col(table.on_hold).label("on_hold"),
        col(table.offered_at).label("offered_at"),
        col(table.answered_at).label("answered_at"),
        col(table.ended_at).label("ended_at"),
        col(table.order_id).label("order_id"),
        col(table.customer_id).label("customer_id"),
    ]


def call_mark(row: Row[Any] | None) -> CallMark | None:
    if row is None:
        return None
    return CallMark(
        call_id=row.call_id,
        direction=row.direction,
        line=row.line,
        state=row.state,
        on_hold=bool(row.on_hold),
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        order_id=row.order_id,
        customer_id=row.customer_id,
    )
