"""The weekly sample (seeded, even over days and outcomes), the automatic flags and the calibration spread."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from services.order_confirm.qa.domain.calibration import calibration_spread
from services.order_confirm.qa.domain.flags import MIN_CALLS_FOR_MEDIAN, FlagKind, flagged, operator_medians
from services.order_confirm.qa.domain.sampling import Conversation, pick_evenly, weekly_sample
from services.order_confirm.qa.domain.scorecard import Answer, Scorecard
from services.order_confirm.qa.domain.starter import starter_scorecard
from tests.order_confirm.qa.strategies import PATIENT, answered

MONDAY = date(2026, 11, 23)
OUTCOMES = ("confirmed", "changed", "cancelled", "callback_requested")


def weeks_of_calls(max_calls: int = 60, days: int = 7, operators: int = 3) -> st.SearchStrategy[list[Conversation]]:
    """Calls of a week; few days and operators make crowded weeks, where an uneven pick would show."""
    call = st.tuples(
        st.integers(1, operators),
        st.integers(0, days - 1),
        st.sampled_from(OUTCOMES),
        st.none() | st.integers(5, 1200),
        st.none() | st.integers(1, 5),
        st.none() | st.integers(0, 10),
        st.booleans(),
    )
    return st.lists(call, max_size=max_calls).map(
        lambda rows: [
            Conversation(1000 + n, operator, MONDAY + timedelta(days=day), outcome, talk, csat, nps, callback)
            for n, (operator, day, outcome, talk, csat, nps, callback) in enumerate(rows)
        ]
    )


@PATIENT
@given(weeks_of_calls(), st.integers(0, 12), st.text(max_size=8), st.randoms(use_true_random=False))
def test_the_sample_is_seeded_sized_and_independent_of_input_order(
    calls: list[Conversation], size: int, seed: str, shuffler: random.Random
) -> None:
    sample = weekly_sample(calls, per_operator=size, seed=seed)
    shuffled = list(calls)
    shuffler.shuffle(shuffled)
    assert weekly_sample(shuffled, per_operator=size, seed=seed) == sample
    by_id = {c.attempt_id: c for c in calls}
    for operator_id, picks in sample.items():
        theirs = [c for c in calls if c.operator_id == operator_id]
        assert len(picks) == len(set(picks)) == min(size, len(theirs))
        assert all(by_id[pick].operator_id == operator_id for pick in picks)
    assert set(sample) == {c.operator_id for c in calls}


@PATIENT
@given(weeks_of_calls(24, days=3, operators=2) | weeks_of_calls(), st.integers(1, 12), st.text(max_size=8))
def test_the_sample_is_spread_evenly_over_days_then_outcomes(calls: list[Conversation], size: int, seed: str) -> None:
    for operator_id, picks in weekly_sample(calls, per_operator=size, seed=seed).items():
        theirs = [c for c in calls if c.operator_id == operator_id]
        chosen = [c for c in theirs if c.attempt_id in picks]
        left = [c for c in theirs if c.attempt_id not in picks]
        per_day = Counter(c.day for c in chosen)
        # A day with two picks fewer than another has no call left to pick.
        for day in {c.day for c in theirs}:
            if per_day[day] + 1 < max(per_day.values()):
                assert not any(c.day == day for c in left), (day, per_day)
        # No swap within a day would move a pick from an outcome with 2+ more picks to a rarer one.
        per_outcome = Counter(c.outcome for c in chosen)
        for out in chosen:
            for into in left:
                if into.day == out.day:
                    assert per_outcome[into.outcome] + 1 >= per_outcome[out.outcome], (out, into, per_outcome)


def test_a_known_week_samples_one_call_a_day_and_every_outcome() -> None:
    calls = [
        Conversation(n, 7, MONDAY + timedelta(days=n % 5), OUTCOMES[n % 3 if n < 20 else 3], talk_seconds=60)
        for n in range(1, 41)
    ]
    picks = pick_evenly(calls, 5, "acme:2026-11-23:7")
    assert sorted(c.day for c in picks) == [MONDAY + timedelta(days=d) for d in range(5)]
    assert len({c.outcome for c in picks}) == 4
    assert pick_evenly(calls, 5, "acme:2026-11-23:7") == picks
    assert pick_evenly(calls, 5, "acme:2026-11-30:7") != picks  # another week, another draw


@PATIENT
@given(weeks_of_calls(), st.sampled_from([Fraction(3, 2), Fraction(2), Fraction(3)]))
def test_flags_say_why_and_flag_exactly_the_calls_that_qualify(calls: list[Conversation], factor: Fraction) -> None:
    flags = flagged(calls, long_call_factor=factor)
    medians = operator_medians(calls)
    timed = Counter(c.operator_id for c in calls if c.talk_seconds is not None)
    for call in calls:
        kinds = {flag.kind for flag in flags.get(call.attempt_id, [])}
        detractor = (call.nps is not None and call.nps <= 6) or (call.csat is not None and call.csat <= 2)
        assert (FlagKind.DETRACTOR in kinds) == detractor
        assert (FlagKind.CALLBACK_REQUESTED in kinds) == call.callback_requested
        assert (FlagKind.CANCELLED in kinds) == (call.outcome == "cancelled")
        median = medians.get(call.operator_id)
        long_call = call.talk_seconds is not None and median is not None and call.talk_seconds > factor * median
        assert (FlagKind.LONG_CALL in kinds) == long_call
        assert (median is not None) == (timed[call.operator_id] >= MIN_CALLS_FOR_MEDIAN)
    assert all(flags.values())


def test_a_call_three_times_the_median_is_flagged_with_the_figures() -> None:
    talks = [100, 110, 120, 130, 400]
    calls = [Conversation(n, 1, MONDAY, "confirmed", talk_seconds=t) for n, t in enumerate(talks)]
    flags = flagged(calls, long_call_factor=Fraction(2))
    assert list(flags) == [4]
    assert flags[4][0].detail == {"talk_seconds": 400, "median_seconds": 120.0, "factor": 2.0}


@PATIENT
@given(answered(max_criteria=8), st.integers(1, 4), st.data())
def test_calibration_spread_is_zero_for_identical_answers_and_symmetric(
    case: tuple[Scorecard, dict[str, str]], copies: int, data: st.DataObject
) -> None:
    card, answers = case
    same = calibration_spread(card, dict.fromkeys(range(copies), answers), goal_points=5)
    assert same.total_spread_hundredths == 0 and same.within_goal
    assert all(c.spread_hundredths == 0 and not c.applicability_differs for c in same.criteria)
    other = {c.key: data.draw(st.sampled_from(c.answers)).value for c in card.criteria()}
    if all(value == "na" for value in other.values()):
        return
    forward = calibration_spread(card, {1: answers, 2: other}, goal_points=5)
    backward = calibration_spread(card, {2: other, 1: answers}, goal_points=5)
    assert forward.total_spread_hundredths == backward.total_spread_hundredths >= 0
    assert forward.total_spread_hundredths == abs(forward.scores[1] - forward.scores[2])
    for criterion, spread in zip(card.criteria(), forward.criteria, strict=True):
        points = [criterion.points(Answer(a)) for a in (answers[criterion.key], other[criterion.key])]
        scored = [p for p in points if p is not None]
        expected = (max(scored) - min(scored)) * 100 if len(scored) == 2 else 0
        assert spread.spread_hundredths == expected
        assert spread.applicability_differs == (len(scored) == 1)


def test_a_known_calibration_spread() -> None:
    card = starter_scorecard("en")
    qa = {c.key: "yes" for c in card.criteria()}
    shop = {**qa, "read_back": "partly", "objections": "na"}  # 10 points lost of 90 possible
    lead = {**qa, "closing": "no"}  # 10 lost of 100
    spread = calibration_spread(card, {1: qa, 2: shop, 3: lead}, goal_points=5)
    assert spread.scores == {1: 10000, 2: 8889, 3: 9000}
    assert spread.total_spread_hundredths == 1111 and not spread.within_goal
    by_key = {c.key: c for c in spread.criteria}
    assert by_key["read_back"].spread_hundredths == 1000
    assert by_key["closing"].spread_hundredths == 1000
    assert by_key["objections"].applicability_differs and by_key["objections"].spread_hundredths == 0
    assert spread.criteria_over_goal == ("read_back", "closing")
