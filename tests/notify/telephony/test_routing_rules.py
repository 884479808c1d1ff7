"""Inbound routing rules (services/notify/telephony/routing.py): examples from docs/telephony.md, then
properties over random tenants, queues and clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.notify.telephony.routing import (
    Agent,
    Caller,
    Closed,
    QueueTimeout,
    Ring,
    TenantRules,
    Wait,
    assign,
    decide,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RULES = TenantRules()  # owner 15 s, cover 15 s, ring 20 s, queue 600 s
OWNER, COVER, ANNA, BORIS = 7, 9, 11, 12


def agent(operator_id: int, *, signed_in: bool = True, busy: bool = False, idle_minutes: int | None = None) -> Agent:
    idle = None if idle_minutes is None else T0 - timedelta(minutes=idle_minutes)
    return Agent(operator_id, signed_in=signed_in, busy=busy, idle_since=idle)


def caller(call_id: str = "a", *, at: int = 0, known: bool = True, declined: frozenset[int] = frozenset()) -> Caller:
    return Caller(
        call_id, T0 + timedelta(seconds=at), known, OWNER if known else None, COVER if known else None, declined
    )


def after(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_known_customer_rings_their_owner_for_the_owner_wait() -> None:
    team = [agent(OWNER), agent(COVER), agent(ANNA)]
    assert decide(caller(), [], team, RULES, after(0)) == Ring(OWNER, "owner", 15)
    assert decide(caller(), [], team, RULES, after(4)) == Ring(OWNER, "owner", 11)


def test_owner_busy_waits_for_the_owner_then_the_cover_then_anyone() -> None:
    team = [agent(OWNER, busy=True), agent(COVER, busy=True), agent(ANNA, idle_minutes=1), agent(BORIS, idle_minutes=5)]
    assert decide(caller(), [], team, RULES, after(14)) == Wait(position=1, offer_callback=True)
    assert decide(caller(), [], team, RULES, after(29)) == Wait(position=1, offer_callback=True)
    team[1] = agent(COVER)
    assert decide(caller(), [], team, RULES, after(15)) == Ring(COVER, "cover", 15)
    team[1] = agent(COVER, busy=True)
    assert decide(caller(), [], team, RULES, after(30)) == Ring(BORIS, "other", 20)  # idle longest


def test_an_owner_who_did_not_answer_hands_over_to_the_cover_at_once() -> None:
    team = [agent(OWNER), agent(COVER), agent(ANNA)]
    assert decide(caller(declined=frozenset({OWNER})), [], team, RULES, after(15)) == Ring(COVER, "cover", 15)
    both = frozenset({OWNER, COVER})
    assert decide(caller(declined=both), [], team, RULES, after(20)) == Ring(ANNA, "other", 20)
    # Nobody else free: the owner is offered the call again rather than let the caller wait.
    alone = [agent(OWNER), agent(COVER, busy=True), agent(ANNA, signed_in=False)]
    assert decide(caller(declined=both), [], alone, RULES, after(31)) == Ring(OWNER, "owner", 20)


def test_owner_and_cover_signed_out_or_unknown_caller_go_to_anyone_at_once() -> None:
    team = [agent(OWNER, signed_in=False), agent(COVER, signed_in=False), agent(ANNA, idle_minutes=3)]
    assert decide(caller(), [], team, RULES, after(0)) == Ring(ANNA, "other", 20)
    team = [agent(OWNER, idle_minutes=2), agent(ANNA, idle_minutes=9), agent(BORIS)]  # Boris never had a call
    assert decide(caller(known=False), [], team, RULES, after(0)) == Ring(BORIS, "other", 20)


def test_callers_are_served_first_come_first_served() -> None:
    first, second = caller("first", at=0, known=False), caller("second", at=5, known=False)
    team = [agent(ANNA), agent(BORIS, busy=True)]
    assert decide(first, [first, second], team, RULES, after(40)) == Ring(ANNA, "other", 20)
    # Anna goes to the first caller: the second is next in line.
    assert decide(second, [first, second], team, RULES, after(40)) == Wait(position=1, offer_callback=True)
    third = caller("third", at=7, known=False)
    assert decide(third, [first, second, third], team, RULES, after(40)) == Wait(position=2, offer_callback=True)
    # An earlier caller who waits for their own owner does not hold up a later one.
    loyal = caller("loyal", at=0)
    team = [agent(OWNER, busy=True), agent(ANNA)]
    assert decide(second, [loyal, second], team, RULES, after(6)) == Ring(ANNA, "other", 20)
    assert decide(loyal, [loyal, second], team, RULES, after(6)) == Wait(position=1, offer_callback=True)


def test_closed_and_queue_timeout() -> None:
    team = [agent(ANNA)]
    assert decide(caller(), [], team, TenantRules(enabled=False), after(0)) == Closed()
    assert decide(caller(), [], [], RULES, after(600)) == QueueTimeout()
    no_offer = TenantRules(callback_offer=False)
    assert decide(caller(), [], [], no_offer, after(1)) == Wait(position=1, offer_callback=False)


# --- properties ------------------------------------------------------------------------------------------

OPERATOR_IDS = st.integers(min_value=1, max_value=12)


@st.composite
def teams(draw: st.DrawFn) -> list[Agent]:
    ids = draw(st.lists(OPERATOR_IDS, unique=True, max_size=10))
    return [
        Agent(
            i,
            signed_in=draw(st.booleans()),
            busy=draw(st.booleans()),
            idle_since=draw(st.none() | st.integers(0, 3600).map(lambda s: T0 - timedelta(seconds=s))),
        )
        for i in ids
    ]


@st.composite
def queues(draw: st.DrawFn) -> list[Caller]:
    count = draw(st.integers(0, 8))
    return [
        Caller(
            f"c{n}",
            T0 + timedelta(seconds=draw(st.integers(0, 120))),
            draw(st.booleans()),
            draw(st.none() | OPERATOR_IDS),
            draw(st.none() | OPERATOR_IDS),
            frozenset(draw(st.lists(OPERATOR_IDS, max_size=3))),
        )
        for n in range(count)
    ]


RULE_SETS = st.builds(
    TenantRules,
    owner_wait_seconds=st.integers(0, 60),
    cover_wait_seconds=st.integers(0, 60),
    ring_seconds=st.integers(5, 60),
    max_queue_seconds=st.integers(30, 600),
    callback_offer=st.booleans(),
)
LATER = st.integers(0, 700).map(lambda s: T0 + timedelta(seconds=120 + s))


@settings(max_examples=300)
@given(teams(), queues(), RULE_SETS, LATER)
def test_only_free_signed_in_members_are_rung_each_at_most_once(
    team: list[Agent], waiting: list[Caller], rules: TenantRules, now: datetime
) -> None:
    assignments = assign(waiting, team, rules, now)
    free = {a.operator_id for a in team if a.signed_in and not a.busy}
    rung = [ring.operator_id for ring in assignments.values()]
    assert set(rung) <= free
    assert len(rung) == len(set(rung))
    for call in waiting:
        decision = decide(call, waiting, team, rules, now)
        if isinstance(decision, Ring):
            assert decision.operator_id in free and decision.timeout_seconds >= 5


@settings(max_examples=300)
@given(teams(), queues(), RULE_SETS, LATER)
def test_a_free_signed_in_owner_is_rung_first_within_the_owner_wait(
    team: list[Agent], waiting: list[Caller], rules: TenantRules, now: datetime
) -> None:
    free = {a.operator_id for a in team if a.signed_in and not a.busy}
    for call in waiting:
        decision = decide(call, waiting, team, rules, now)
        elapsed = (now - call.offered_at).total_seconds()
        owner = call.owner_id
        personal = call.customer_known and owner is not None and owner not in call.declined
        if isinstance(decision, Ring) and personal and elapsed < rules.owner_wait_seconds and owner in free:
            assert decision == Ring(owner, "owner", decision.timeout_seconds)
        if isinstance(decision, Ring) and decision.role == "owner":
            assert call.customer_known and decision.operator_id == owner


@settings(max_examples=300)
@given(teams(), queues(), RULE_SETS, LATER)
def test_nobody_waits_while_an_operator_they_may_have_is_free_and_unclaimed(
    team: list[Agent], waiting: list[Caller], rules: TenantRules, now: datetime
) -> None:
    assignments = assign(waiting, team, rules, now)
    unclaimed = {a.operator_id for a in team if a.signed_in and not a.busy} - {
        r.operator_id for r in assignments.values()
    }
    for call in waiting:
        elapsed = (now - call.offered_at).total_seconds()
        past_personal_tiers = elapsed >= rules.owner_wait_seconds + rules.cover_wait_seconds
        if call.call_id not in assignments and past_personal_tiers and elapsed < rules.max_queue_seconds:
            assert not unclaimed, "a caller past the owner and cover waits while an operator is free"


@settings(max_examples=300)
@given(teams(), queues(), RULE_SETS, LATER)
def test_positions_count_the_waiting_callers_ahead(
    team: list[Agent], waiting: list[Caller], rules: TenantRules, now: datetime
) -> None:
    positions = sorted(d.position for c in waiting if isinstance(d := decide(c, waiting, team, rules, now), Wait))
    assert positions == list(range(1, len(positions) + 1))
