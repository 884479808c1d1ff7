"""When to try a push again, when to give up, and when an endpoint's circuit breaker holds its pushes.

Pure rules: the caller passes `now` and the random jitter, so every decision is reproducible in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DeliveryPolicy:
    retry_budget: timedelta = timedelta(hours=24)
    min_backoff: timedelta = timedelta(seconds=5)
    max_backoff: timedelta = timedelta(minutes=30)
    breaker_threshold: int = 5
    breaker_open_for: timedelta = timedelta(seconds=60)


def next_attempt_at(
    policy: DeliveryPolicy,
    *,
    attempts_made: int,
    now: datetime,
    budget_started_at: datetime,
    retry_after: float | None,
    jitter: float,
) -> datetime | None:
    """The next try after a transient failure, or None once the retry budget is spent (a dead letter).

    Exponential backoff with "equal jitter" (half fixed, half random, `jitter` in [0, 1)) so a recovering
    endpoint is not hit by every waiting push in the same second; never sooner than the endpoint's
    `Retry-After`. The last try is placed at the budget's end rather than skipped.
    """
    deadline = budget_started_at + policy.retry_budget
    if now >= deadline:
        return None
    exponential = policy.min_backoff * (2 ** max(0, attempts_made - 1))
    delay: timedelta = min(policy.max_backoff, exponential) * (0.5 + jitter / 2)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    next_try: datetime = min(now + delay, deadline)
    return next_try


@dataclass(frozen=True)
class BreakerState:
    consecutive_failures: int = 0
    opened_until: datetime | None = None
    times_opened: int = 0


def breaker_capacity(policy: DeliveryPolicy, state: BreakerState, now: datetime) -> int | None:
    """How many pushes the endpoint may take now: None = any (closed), 0 = none (open), 1 = a probe."""
    if state.consecutive_failures < policy.breaker_threshold:
        return None
    if state.opened_until is not None and now < state.opened_until:
        return 0
    return 1


def after_success(state: BreakerState) -> BreakerState:
    return BreakerState(times_opened=state.times_opened)


def after_failure(policy: DeliveryPolicy, state: BreakerState, now: datetime) -> BreakerState:
    """Count a transient failure; at the threshold (or a failed probe) the breaker opens again."""
    failures = state.consecutive_failures + 1
    if failures < policy.breaker_threshold:
        return BreakerState(failures, state.opened_until, state.times_opened)
    return BreakerState(failures, now + policy.breaker_open_for, state.times_opened + 1)
