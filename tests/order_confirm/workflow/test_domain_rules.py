"""The pure rules: the order's transition table, calling hours, the retry schedule and tenant policies."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.order_confirm.domain import state_machine
from services.order_confirm.domain.calling_hours import CallingHours
from services.order_confirm.domain.policy import InvalidPolicy, parse_policy
from services.order_confirm.domain.retry_policy import After, NextDayAt, RetryPolicy, next_attempt_at
from services.order_confirm.domain.vocabulary import OrderStatus as S

VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
MOSCOW = ZoneInfo("Europe/Moscow")

# Written out by hand, independently of the table, so a change to the table has to change this too.
EXPECTED_MOVES = {
    (S.NEW, S.AWAITING_CALL),
    (S.AWAITING_CALL, S.IN_CALL),
    *((S.IN_CALL, target) for target in (
        S.CONFIRMED, S.CONFIRMED_WITH_CHANGES, S.CANCELLED, S.CALLBACK_SCHEDULED,
        S.NO_ANSWER, S.AWAITING_PAYMENT, S.UNREACHABLE,
    )),
    (S.NO_ANSWER, S.IN_CALL),
    (S.CALLBACK_SCHEDULED, S.IN_CALL),
    (S.AWAITING_PAYMENT, S.PAID),
    (S.AWAITING_PAYMENT, S.IN_CALL),
    (S.AWAITING_PAYMENT, S.CANCELLED),
    (S.PAID, S.CONFIRMED),
    (S.PAID, S.CONFIRMED_WITH_CHANGES),
    (S.PAID, S.IN_CALL),
    (S.UNREACHABLE, S.IN_CALL),
    # Confirmed by another channel, without a call (only with a reason: service/confirmations.py).
    *((status, target) for status in (S.AWAITING_CALL, S.NO_ANSWER, S.CALLBACK_SCHEDULED, S.UNREACHABLE)
      for target in (S.CONFIRMED, S.CONFIRMED_WITH_CHANGES)),
    *((status, S.CANCELLED_BY_SHOP) for status in S if status not in (S.CANCELLED, S.CANCELLED_BY_SHOP)),
}  # fmt: skip


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_every_pair_of_statuses_is_either_a_listed_move_or_refused(current: S, target: S) -> None:
    if (current, target) in EXPECTED_MOVES:
        assert state_machine.check_transition(current, target) is target
        return
    with pytest.raises(state_machine.IllegalTransition) as refused:
        state_machine.check_transition(current, target)
    assert refused.value.status == 409
    assert refused.value.extra["allowed"] == sorted(t.value for c, t in EXPECTED_MOVES if c is current)


def test_cancelled_orders_are_final() -> None:
    assert state_machine.allowed_from(S.CANCELLED) == frozenset()
    assert state_machine.allowed_from(S.CANCELLED_BY_SHOP) == frozenset()


def test_a_call_from_a_retry_passes_through_in_call() -> None:
    assert state_machine.path(S.NO_ANSWER, S.IN_CALL, S.CONFIRMED) is S.CONFIRMED
    with pytest.raises(state_machine.IllegalTransition):
        state_machine.path(S.CONFIRMED, S.IN_CALL)


def test_calling_hours_push_late_and_early_times_into_the_window() -> None:
    hours = CallingHours()
    evening = datetime(2026, 11, 23, 21, 0, tzinfo=VLADIVOSTOK)
    assert hours.clamp(evening) == datetime(2026, 11, 24, 9, 0, tzinfo=VLADIVOSTOK)
    night = datetime(2026, 11, 24, 3, 30, tzinfo=VLADIVOSTOK)
    assert hours.clamp(night) == datetime(2026, 11, 24, 9, 0, tzinfo=VLADIVOSTOK)
    afternoon = datetime(2026, 11, 24, 15, 5, tzinfo=VLADIVOSTOK)
    assert hours.clamp(afternoon) == afternoon
    with pytest.raises(ValueError):
        CallingHours(time(21), time(9))


def test_default_retries_for_a_vladivostok_customer_called_from_moscow_cross_the_night() -> None:
    policy = RetryPolicy()
    # 12:50 in Moscow is 19:50 in Vladivostok.
    first = datetime(2026, 11, 23, 9, 50, tzinfo=UTC)
    assert next_attempt_at(policy, 1, first, VLADIVOSTOK) == first + timedelta(minutes=15)
    # +1 h would be 21:05 there: past their calling hours, so 09:00 their next morning (23:00 UTC).
    second = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    assert next_attempt_at(policy, 2, second, VLADIVOSTOK) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    third = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    assert next_attempt_at(policy, 3, third, VLADIVOSTOK) == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    # "Next day 10:00" is the customer's next day: 10:00 on the 25th in Vladivostok.
    fourth = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert next_attempt_at(policy, 4, fourth, VLADIVOSTOK) == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert next_attempt_at(policy, 5, fourth, VLADIVOSTOK) is None


def test_a_longer_policy_keeps_repeating_its_last_step() -> None:
    policy = RetryPolicy(steps=(After(timedelta(hours=2)),), max_attempts=9)
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 11:00 Moscow
    assert next_attempt_at(policy, 7, now, MOSCOW) == now + timedelta(hours=2)


def test_tenant_policy_is_parsed_with_defaults_for_missing_keys() -> None:
    default = parse_policy({})
    assert default.retry.max_attempts == 5
    assert default.cover_grace == timedelta(minutes=15)
    custom = parse_policy(
        {
            "retry_steps": ["30m", "next_day 11:30"],
            "max_attempts": 3,
            "calling_hours": {"start": "10:00", "end": "20:00"},
            "cover_grace_minutes": 5,
            "sla_minutes": 30,
        }
    )
    assert custom.retry.steps == (After(timedelta(minutes=30)), NextDayAt(time(11, 30)))
    assert custom.calling_hours == CallingHours(time(10), time(20))
    assert custom.cover_grace == timedelta(minutes=5)


@pytest.mark.parametrize(
    "document",
    [
        {"retry_steps": ["soon"]},
        {"retry_steps": []},
        {"max_attempts": 0},
        {"calling_hours": {"start": "22:00", "end": "08:00"}},
        {"cover_grace_minutes": -1},
    ],
)
def test_a_broken_tenant_policy_is_refused_with_a_reason(document: dict[str, object]) -> None:
    with pytest.raises(InvalidPolicy):
        parse_policy(document)
