"""The retry and breaker rules on their own (pure functions, no clock, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.integrations.domain.delivery_policy import (
    BreakerState,
    DeliveryPolicy,
    after_failure,
    after_success,
    breaker_capacity,
    next_attempt_at,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POLICY = DeliveryPolicy()


def delay(attempts: int, *, jitter: float = 0.0, retry_after: float | None = None, started: datetime = NOW) -> float:
    at = next_attempt_at(
        POLICY, attempts_made=attempts, now=NOW, budget_started_at=started, retry_after=retry_after, jitter=jitter
    )
    assert at is not None
    return (at - NOW).total_seconds()


def test_backoff_doubles_with_jitter_and_is_capped_at_thirty_minutes() -> None:
    assert [delay(n) for n in (1, 2, 3, 4)] == [2.5, 5.0, 10.0, 20.0]
    assert [delay(n, jitter=0.999) for n in (1, 2)] == [pytest.approx(5.0, abs=0.01), pytest.approx(10.0, abs=0.01)]
    assert delay(30, jitter=0.999) <= 1800


def test_retry_after_is_a_floor_and_the_last_try_sits_at_the_end_of_the_budget() -> None:
    assert delay(1, retry_after=120) == 120
    almost_a_day_ago = NOW - timedelta(hours=23, minutes=59)
    assert delay(10, started=almost_a_day_ago) == 60
    gone = next_attempt_at(
        POLICY, attempts_made=50, now=NOW, budget_started_at=NOW - timedelta(hours=24), retry_after=None, jitter=0
    )
    assert gone is None


def test_breaker_opens_after_five_failures_lets_one_probe_through_later_and_closes_on_success() -> None:
    state = BreakerState()
    for _ in range(4):
        state = after_failure(POLICY, state, NOW)
    assert breaker_capacity(POLICY, state, NOW) is None
    state = after_failure(POLICY, state, NOW)
    assert breaker_capacity(POLICY, state, NOW) == 0
    assert breaker_capacity(POLICY, state, NOW + timedelta(seconds=61)) == 1
    reopened = after_failure(POLICY, state, NOW + timedelta(seconds=61))
    assert breaker_capacity(POLICY, reopened, NOW + timedelta(seconds=100)) == 0
    assert breaker_capacity(POLICY, after_success(reopened), NOW) is None
