"""Operators needed per interval: Erlang C (pyworkforce) per workload stream, capped by the maximum
occupancy, summed, then grossed up by shrinkage.

Streams are staffed separately and added (outbound first calls against the speed-to-first-call target,
inbound calls against the answer target), which ignores the pooling gain of a blended team and so errs on
the safe side. Erlang A (abandonment) needs pyworkforce >= 0.5.3, which needs Python 3.12; Okno runs on
3.11, so inbound is staffed by Erlang C too — which over-staffs slightly when callers hang up, never under.
pyworkforce is imported inside the functions: it pulls numpy, pandas and OR-Tools.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from services.order_confirm.planning.domain.intervals import INTERVAL_MINUTES


@dataclass(frozen=True)
class Workload:
    """One stream in one interval: calls to handle, their average handle time (talk + hold + wrap-up), and
    the share that must start within `within_seconds`."""

    calls: float
    aht_seconds: float
    target_share: float
    within_seconds: float

    @property
    def erlangs(self) -> float:
        return self.calls * self.aht_seconds / (INTERVAL_MINUTES * 60)


@dataclass(frozen=True)
class StreamStaffing:
    agents: int  # on the phones, before shrinkage
    service_level: float | None  # predicted share within target with `agents`; None when there is no work
    occupancy: float | None


@dataclass(frozen=True)
class IntervalStaffing:
    streams: tuple[StreamStaffing, ...]
    agents: int  # on the phones, all streams
    required: int  # scheduled operators: agents grossed up by shrinkage


def _erlang(workload: Workload):  # type: ignore[no-untyped-def]  # pyworkforce is untyped
    from pyworkforce.queuing import ErlangC

    return ErlangC(
        transactions=workload.calls,
        aht=workload.aht_seconds / 60,
        asa=workload.within_seconds / 60,
        interval=INTERVAL_MINUTES,
    )


def waiting_probability(workload: Workload, agents: int) -> float:
    """Erlang C: the chance a call waits at all (1 when the agents cannot keep up)."""
    if workload.calls <= 0:
        return 0.0
    if agents <= workload.erlangs:
        return 1.0
    return float(_erlang(workload).waiting_probability(agents))


def service_level(workload: Workload, agents: int) -> float:
    """The share of calls that start within the target wait with `agents` on the phones. An unstable queue
    (agents not above the offered erlangs) answers nobody in time in the long run: 0."""
    if workload.calls <= 0:
        return 1.0
    if agents <= workload.erlangs:
        return 0.0
    return min(1.0, max(0.0, float(_erlang(workload).service_level(agents))))


def agents_for(workload: Workload, max_occupancy: float) -> StreamStaffing:
    """The fewest agents meeting the target share and the occupancy cap (pyworkforce's required_positions)."""
    if workload.calls <= 0 or workload.aht_seconds <= 0:
        return StreamStaffing(0, None, None)
    result = _erlang(workload).required_positions(service_level=workload.target_share, max_occupancy=max_occupancy)
    agents = int(result["raw_positions"])
    # pyworkforce starts its search at round(traffic + 1), which can overshoot a light interval by one.
    while agents > 1 and _enough(workload, agents - 1, max_occupancy):
        agents -= 1
    return StreamStaffing(agents, service_level(workload, agents), workload.erlangs / agents)


def _enough(workload: Workload, agents: int, max_occupancy: float) -> bool:
    return workload.erlangs / agents <= max_occupancy and service_level(workload, agents) >= workload.target_share


def staff_interval(workloads: list[Workload], *, shrinkage: float, max_occupancy: float) -> IntervalStaffing:
    streams = tuple(agents_for(workload, max_occupancy) for workload in workloads)
    agents = sum(stream.agents for stream in streams)
    return IntervalStaffing(streams, agents, scheduled(agents, shrinkage))


def scheduled(agents: int, shrinkage: float) -> int:
    """Operators to schedule so that `agents` are on the phones after shrinkage."""
    if agents <= 0:
        return 0
    return math.ceil(round(agents / (1 - shrinkage), 9))
