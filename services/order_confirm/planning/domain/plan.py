"""A tenant's plan from its history: forecast each stream, apply the manager's overrides, move outbound
calls to calling hours, staff every interval. Pure: the caller loads the inputs and stores the result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from services.order_confirm.planning.domain import forecast as forecasting
from services.order_confirm.planning.domain.intervals import INTERVAL_MINUTES, INTERVALS_PER_DAY, Interval
from services.order_confirm.planning.domain.staffing import Workload, staff_interval
from services.order_confirm.planning.domain.targets import PlanningTargets

DEFAULT_AHT_SECONDS = 180.0
STREAMS = ("orders", "inbound")


@dataclass(frozen=True)
class Override:
    day: date
    stream: str  # all | orders | inbound
    factor: float


@dataclass(frozen=True)
class PlanInputs:
    history_first_day: date
    orders: Sequence[float]  # per interval, whole local days
    inbound: Sequence[float]
    inbound_available: bool
    attempts_per_order: float | None
    outbound_aht_seconds: float | None
    inbound_aht_seconds: float | None
    first_day: date  # first planned day (the day after the history)
    days: int
    targets: PlanningTargets
    calling_start: time
    calling_end: time
    overrides: Sequence[Override] = ()


@dataclass(frozen=True)
class IntervalPlan:
    interval: Interval
    orders: float
    outbound_calls: float
    inbound_calls: float
    agents: int
    required: int
    outbound_service_level: float | None
    inbound_service_level: float | None


@dataclass
class Plan:
    intervals: list[IntervalPlan]
    summary: dict[str, Any] = field(default_factory=dict)


def apply_overrides(values: list[float], first_day: date, stream: str, overrides: Sequence[Override]) -> list[float]:
    out = list(values)
    for override in overrides:
        if override.stream not in ("all", stream):
            continue
        day = (override.day - first_day).days
        if 0 <= day * INTERVALS_PER_DAY < len(out):
            for i in range(day * INTERVALS_PER_DAY, (day + 1) * INTERVALS_PER_DAY):
                out[i] *= override.factor
    return out


def within_calling_hours(calls: list[float], start: time, end: time) -> list[float]:
    """Outbound calls of orders arriving outside calling hours wait for the next opening interval."""
    opening = (start.hour * 60 + start.minute) // INTERVAL_MINUTES
    closing = (end.hour * 60 + end.minute + INTERVAL_MINUTES - 1) // INTERVAL_MINUTES
    out = [0.0] * len(calls)
    for n, value in enumerate(calls):
        day, i = divmod(n, INTERVALS_PER_DAY)
        if opening <= i < closing:
            out[n] += value
        else:
            target_day = day if i < opening else day + 1
            target = target_day * INTERVALS_PER_DAY + opening
            if target < len(out):
                out[target] += value
    return out


def _forecast_summary(result: forecasting.Forecast) -> dict[str, Any]:
    backtest = result.backtest
    return {
        "method": result.method.value,
        "history_days": result.history_days,
        "notes": result.notes,
        "backtest": None
        if backtest is None
        else {
            "first_day": backtest.first_day.isoformat(),
            "days": backtest.days,
            "wape": backtest.wape,
            "daily_actual": backtest.daily_actual,
            "daily_forecast": backtest.daily_forecast,
        },
    }


def build_plan(inputs: PlanInputs) -> Plan:
    orders_fc = forecasting.forecast(inputs.orders, inputs.history_first_day, inputs.days)
    if inputs.inbound_available:
        inbound_fc = forecasting.forecast(inputs.inbound, inputs.history_first_day, inputs.days)
    else:
        empty = [0.0] * (inputs.days * INTERVALS_PER_DAY)
        inbound_fc = forecasting.Forecast(forecasting.Method.NONE, empty, 0, None, ["no inbound history yet"])
    orders = apply_overrides(orders_fc.values, inputs.first_day, "orders", inputs.overrides)
    inbound = apply_overrides(inbound_fc.values, inputs.first_day, "inbound", inputs.overrides)
    notes: list[str] = []
    if inputs.attempts_per_order is None:
        notes.append("no decided orders yet: 1 call per order assumed")
    if inputs.outbound_aht_seconds is None:
        notes.append("no finished calls yet: 3 minutes per call assumed")
    attempts = inputs.attempts_per_order or 1.0
    out_aht = inputs.outbound_aht_seconds or DEFAULT_AHT_SECONDS
    in_aht = inputs.inbound_aht_seconds or out_aht
    calls = within_calling_hours([v * attempts for v in orders], inputs.calling_start, inputs.calling_end)
    targets = inputs.targets
    intervals = []
    for n in range(inputs.days * INTERVALS_PER_DAY):
        day, index = divmod(n, INTERVALS_PER_DAY)
        outbound = Workload(calls[n], out_aht, targets.first_call_share, targets.first_call_within_minutes * 60)
        inbound_work = Workload(inbound[n], in_aht, targets.inbound_share, targets.inbound_within_seconds)
        staffing = staff_interval(
            [outbound, inbound_work], shrinkage=targets.shrinkage, max_occupancy=targets.max_occupancy
        )
        out_stream, in_stream = staffing.streams
        intervals.append(
            IntervalPlan(
                Interval(inputs.first_day + timedelta(days=day), index),
                round(orders[n], 3),
                round(calls[n], 3),
                round(inbound[n], 3),
                staffing.agents,
                staffing.required,
                out_stream.service_level,
                in_stream.service_level,
            )
        )
    summary = {
        "orders": _forecast_summary(orders_fc),
        "inbound": _forecast_summary(inbound_fc),
        "measures": {
            "attempts_per_order": round(attempts, 3),
            "outbound_aht_seconds": round(out_aht, 1),
            "inbound_aht_seconds": round(in_aht, 1),
        },
        "targets": targets.as_json(),
        "notes": notes,
        "overrides": [{"day": o.day.isoformat(), "stream": o.stream, "factor": o.factor} for o in inputs.overrides],
    }
    return Plan(intervals, summary)
