"""The phone figures' definitions (domain/phone_figures.py) as properties over any calls."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from services.order_confirm.domain.phone_figures import HandledCall, InboundCallFact, phone_figures


@st.composite
def inbound_calls(draw: st.DrawFn) -> InboundCallFact:
    outcome = draw(st.sampled_from(["answered", "abandoned", "short", "callback", "unavailable"]))
    wait = draw(st.integers(0, 600))
    return InboundCallFact(
        answered=outcome == "answered",
        wait_seconds=wait,
        abandoned=outcome in ("abandoned", "short"),
        short_abandon=outcome == "short",
        callback_requested=outcome == "callback",
        answered_role=draw(st.sampled_from(["owner", "cover", "other"])) if outcome == "answered" else None,
        had_owner=draw(st.booleans()),
        threshold_seconds=draw(st.integers(1, 60)),
    )


conversations = st.builds(HandledCall, st.integers(0, 3600), st.integers(0, 600), st.integers(0, 600))


@settings(deadline=None)  # a loaded test machine is no reason to fail a property
@given(st.lists(inbound_calls(), max_size=40), st.lists(conversations, max_size=20))
def test_rates_are_shares_of_the_calls_counted(calls: list[InboundCallFact], handled: list[HandledCall]) -> None:
    figures = phone_figures(calls, handled)
    assert figures.offered == len(calls) == figures.considered + figures.short_abandons
    assert figures.answered_within <= figures.answered
    assert figures.answered + figures.abandoned + figures.callbacks_requested <= figures.considered
    if figures.considered:
        assert figures.service_level == round(figures.answered_within / figures.considered, 4)
        assert figures.abandonment_rate == round(figures.abandoned / figures.considered, 4)
    else:
        assert figures.service_level is None and figures.abandonment_rate is None
    assert figures.owner_answered <= figures.answered
    assert (figures.asa_seconds is None) == (figures.answered == 0)


@settings(deadline=None)  # a loaded test machine is no reason to fail a property
@given(st.lists(inbound_calls(), max_size=40), st.integers(1, 20))
def test_short_abandons_move_neither_rate(calls: list[InboundCallFact], extra: int) -> None:
    short = InboundCallFact(False, 2, True, True, False, None, False, 20)
    before, after = phone_figures(calls, []), phone_figures([*calls, *[short] * extra], [])
    assert (after.service_level, after.abandonment_rate) == (before.service_level, before.abandonment_rate)
    assert after.short_abandons == before.short_abandons + extra


@settings(deadline=None)  # a loaded test machine is no reason to fail a property
@given(st.lists(inbound_calls(), max_size=40), st.integers(0, 120))
def test_a_longer_threshold_never_lowers_the_service_level(calls: list[InboundCallFact], more: int) -> None:
    strict = phone_figures(calls, [])
    lenient = phone_figures([replace(call, threshold_seconds=call.threshold_seconds + more) for call in calls], [])
    assert (lenient.service_level or 0) >= (strict.service_level or 0)


@settings(deadline=None)  # a loaded test machine is no reason to fail a property
@given(st.lists(conversations, min_size=1, max_size=30), st.randoms())
def test_aht_is_talk_plus_hold_plus_wrap_up_whatever_the_order(handled: list[HandledCall], rng: object) -> None:
    figures = phone_figures([], handled)
    total = sum(call.talk_seconds + call.hold_seconds + call.wrap_up_seconds for call in handled)
    assert figures.aht_seconds == round(total / len(handled), 1)
    shuffled = list(handled)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert phone_figures([], shuffled) == figures
