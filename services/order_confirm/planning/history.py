"""The one place planning reads workload history from: order arrivals (webhooks and ERP pulls alike),
attempts per decided order and handle time of outbound calls, and inbound calls.

Inbound calls: notify reports call facts (contracts/telephony.py `telephony_call.updated`, issue 14), kept
in `inbound_calls` (services/order_confirm/telephony/inbound.py). Every call that reached the shop is demand,
answered or not, so the forecast counts calls by `offered_at` per interval; the inbound handle time is the
average talk + hold of answered calls (an inbound call has no disposition, so no wrap-up is measured — the
same definition as the phone report's AHT). A tenant with no inbound call on record has no inbound history
and the plan says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from services.order_confirm.domain.report_periods import local_midnight
from services.order_confirm.models import Attempt, InboundCall, Order
from services.order_confirm.planning.domain.intervals import count_per_interval

HISTORY_DAYS = 56  # eight weeks: enough for a backtest and a weekly profile, small enough to load quickly
MEASURE_DAYS = 28  # attempts per order and handle times of the last four weeks


@dataclass(frozen=True)
class InboundHistory:
    available: bool
    per_interval: list[float]
    aht_seconds: float | None


@dataclass(frozen=True)
class WorkloadHistory:
    first_day: date
    days: int
    orders: list[float]
    inbound: InboundHistory
    attempts_per_order: float | None
    outbound_aht_seconds: float | None


def load(session: Session, tenant_id: int, tz: ZoneInfo, *, today: date) -> WorkloadHistory:
    """Whole local days before `today`, from the first day with an order (at most HISTORY_DAYS back)."""
    window_start = local_midnight(today - timedelta(days=HISTORY_DAYS), tz)
    end = local_midnight(today, tz)
    first = session.exec(
        select(func.min(Order.received_at)).where(
            Order.tenant_id == tenant_id, col(Order.received_at) >= window_start, col(Order.received_at) < end
        )
    ).one()
    first_day = first.astimezone(tz).date() if first else today
    days = (today - first_day).days
    arrivals = order_arrivals(session, tenant_id, local_midnight(first_day, tz), end)
    attempts, aht = outbound_measures(session, tenant_id, local_midnight(today - timedelta(days=MEASURE_DAYS), tz), end)
    return WorkloadHistory(
        first_day=first_day,
        days=days,
        orders=count_per_interval(arrivals, first_day, days, tz),
        inbound=inbound_history(session, tenant_id, first_day, days, tz),
        attempts_per_order=attempts,
        outbound_aht_seconds=aht,
    )


def order_arrivals(session: Session, tenant_id: int, start: datetime, end: datetime) -> list[datetime]:
    query = select(Order.received_at).where(
        Order.tenant_id == tenant_id, col(Order.received_at) >= start, col(Order.received_at) < end
    )
    return list(session.exec(query))


def outbound_measures(
    session: Session, tenant_id: int, start: datetime, end: datetime
) -> tuple[float | None, float | None]:
    """Calls per decided order (orders nobody called count as 0) and the average handle time of finished
    calls in seconds, talk plus wrap-up; None where nothing was measured."""
    decided = session.exec(
        select(func.count(), func.sum(Order.attempts_count)).where(
            Order.tenant_id == tenant_id,
            col(Order.received_at) >= start,
            col(Order.received_at) < end,
            col(Order.closed_at).is_not(None),
        )
    ).one()
    attempts_per_order = float(decided[1] or 0) / decided[0] if decided[0] else None
    calls = session.exec(
        select(Attempt.started_at, Attempt.ended_at, Attempt.wrap_up_ended_at).where(
            Attempt.tenant_id == tenant_id,
            col(Attempt.started_at) >= start,
            col(Attempt.started_at) < end,
            col(Attempt.ended_at).is_not(None),
        )
    ).all()
    handled = [((wrap or ended) - started).total_seconds() for started, ended, wrap in calls if ended]
    handled = [seconds for seconds in handled if seconds > 0]
    return attempts_per_order, (sum(handled) / len(handled) if handled else None)


def inbound_recorded(session: Session, tenant_id: int) -> bool:
    """Whether any inbound call of the tenant is on record (then the plan forecasts inbound calls too)."""
    return (
        session.exec(select(InboundCall.call_id).where(InboundCall.tenant_id == tenant_id).limit(1)).first() is not None
    )


def inbound_history(session: Session, tenant_id: int, first_day: date, days: int, tz: ZoneInfo) -> InboundHistory:
    """Calls offered per interval of `days` local days from `first_day`, and their handle time in seconds."""
    start, end = local_midnight(first_day, tz), local_midnight(first_day + timedelta(days=days), tz)
    calls = session.exec(
        select(
            InboundCall.offered_at, InboundCall.answered_at, InboundCall.talk_seconds, InboundCall.hold_seconds
        ).where(
            InboundCall.tenant_id == tenant_id, col(InboundCall.offered_at) >= start, col(InboundCall.offered_at) < end
        )
    ).all()
    handled = [talk + hold for _, answered, talk, hold in calls if answered is not None and talk + hold > 0]
    return InboundHistory(
        available=inbound_recorded(session, tenant_id),
        per_interval=count_per_interval((offered for offered, *_ in calls), first_day, days, tz),
        aht_seconds=sum(handled) / len(handled) if handled else None,
    )


def actual_orders(session: Session, tenant_id: int, first_day: date, days: int, tz: ZoneInfo) -> list[float]:
    """Orders that arrived per interval of `days` local days (the "actual" beside a forecast)."""
    start, end = local_midnight(first_day, tz), local_midnight(first_day + timedelta(days=days), tz)
    return count_per_interval(order_arrivals(session, tenant_id, start, end), first_day, days, tz)
