"""Erlang C staffing against a published worked example, the targets it refuses, and its monotonicity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.order_confirm.planning.domain.staffing import (
    Workload,
    agents_for,
    scheduled,
    service_level,
    staff_interval,
    waiting_probability,
)
from services.order_confirm.planning.domain.targets import InvalidTargets, PlanningTargets, validated

# Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
# (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls in 30 minutes, average handle
# time 180 s, target 80 % answered within 20 s. Traffic intensity 10 Erlangs; with 14 agents the probability a call
# waits is 17.41 %, the service level 88.84 %, occupancy 71.43 %, average speed of answer 7.8 s; 14 agents is the
# least meeting 80/20 (13 give 79.56 %), and with 30 % shrinkage 20 agents must be rostered.
EXAMPLE = Workload(calls=100, aht_seconds=180, target_share=0.8, within_seconds=20)
PUBLISHED = {  # agents: (probability of waiting, service level)
    11: (0.6821, 0.3896),
    12: (0.4494, 0.6402),
    13: (0.2853, 0.7956),
    14: (0.1741, 0.8884),
    15: (0.1020, 0.9415),
}


@pytest.mark.parametrize("agents", sorted(PUBLISHED))
def test_erlang_c_equals_the_published_table_to_the_second_decimal(agents: int) -> None:
    waits, level = PUBLISHED[agents]
    assert EXAMPLE.erlangs == pytest.approx(10.0)
    assert round(waiting_probability(EXAMPLE, agents), 2) == round(waits, 2)
    assert round(service_level(EXAMPLE, agents), 2) == round(level, 2)


def test_the_example_needs_14_on_the_phones_and_20_rostered_with_30_percent_shrinkage() -> None:
    staffing = staff_interval([EXAMPLE], shrinkage=0.3, max_occupancy=1.0)
    assert staffing.agents == 14
    assert staffing.required == 20
    stream = staffing.streams[0]
    assert stream.service_level is not None and stream.service_level >= 0.8
    assert round(stream.occupancy or 0, 2) == 0.71
    # ASA = P(wait) × AHT / (agents − traffic) = 7.8 s in the example
    assert round(waiting_probability(EXAMPLE, 14) * 180 / (14 - 10), 1) == 7.8


def test_maximum_occupancy_adds_agents_beyond_the_service_level() -> None:
    busy = Workload(calls=400, aht_seconds=180, target_share=0.8, within_seconds=1200)  # 40 Erlangs, lax target
    capped = agents_for(busy, max_occupancy=0.8)
    assert capped.agents == 50  # 40 / 0.8
    assert capped.occupancy == pytest.approx(0.8)


def test_an_interval_without_work_needs_nobody() -> None:
    staffing = staff_interval([Workload(0, 180, 0.8, 20)], shrinkage=0.3, max_occupancy=0.85)
    assert (staffing.agents, staffing.required) == (0, 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inbound_share": 1.0, "inbound_within_seconds": 0}, "inbound_within_seconds"),
        ({"inbound_share": 1.0}, "inbound_share"),
        ({"first_call_share": 0.0}, "first_call_share"),
        ({"first_call_within_minutes": 0}, "first_call_within_minutes"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"shrinkage": 0.95}, "shrinkage"),
        ({"max_occupancy": 1.2}, "max_occupancy"),
    ],
)
def test_impossible_targets_are_refused_with_the_reason(change: dict[str, float], field: str) -> None:
    targets = PlanningTargets(**change)  # type: ignore[arg-type]
    with pytest.raises(InvalidTargets) as refused:
        validated(targets)
    fields = [error["field"] for error in refused.value.extra["errors"]]
    assert field in fields
    assert all(error["message"] for error in refused.value.extra["errors"])


def test_scheduled_operators_round_up_after_shrinkage() -> None:
    assert scheduled(7, 0.3) == 10
    assert scheduled(14, 0.3) == 20  # exactly 20, not 21 from floating-point noise
    assert scheduled(1, 0.0) == 1


@settings(max_examples=150, deadline=None)
@given(
    calls=st.floats(min_value=0.5, max_value=400),
    aht=st.floats(min_value=20, max_value=900),
    within=st.floats(min_value=1, max_value=1800),
    agents=st.integers(min_value=1, max_value=120),
    more=st.integers(min_value=1, max_value=20),
)
def test_more_agents_never_lower_the_service_level(
    calls: float, aht: float, within: float, agents: int, more: int
) -> None:
    workload = Workload(calls, aht, 0.8, within)
    assert service_level(workload, agents + more) >= service_level(workload, agents) - 1e-12


@settings(max_examples=80, deadline=None)
@given(
    calls=st.floats(min_value=0.5, max_value=300),
    aht=st.floats(min_value=20, max_value=600),
    share=st.floats(min_value=0.5, max_value=0.95),
    within=st.floats(min_value=5, max_value=1200),
)
def test_the_staffed_interval_meets_its_target(calls: float, aht: float, share: float, within: float) -> None:
    workload = Workload(calls, aht, share, within)
    staffing = agents_for(workload, max_occupancy=0.9)
    assert staffing.service_level is not None and staffing.service_level >= share
    assert staffing.occupancy is not None and staffing.occupancy <= 0.9 + 1e-9
    # and it is the least such number: one agent fewer misses the target or the occupancy cap
    fewer = staffing.agents - 1
    assert fewer <= 0 or service_level(workload, fewer) < share or workload.erlangs / fewer > 0.9
