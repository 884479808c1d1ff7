"""The weekly random sample of each operator's conversations, spread evenly over days and outcomes.

Seeded: the same week, tenant and conversations always give the same sample (the seed is a string such
as "<tenant>:<monday>"; each operator draws from their own generator, so one operator's calls never change
another's sample). Even spread, in this order of importance:
1. over days: every pick comes from a day with the fewest picks so far that still has calls, so a day ends
   up with at most one pick fewer than any other unless it had no more calls;
2. over outcomes: among those, the outcome with the fewest picks so far; then swaps within a day (which
   keep the spread over days) while one outcome has two or more picks more than another available one.
Ties are broken by a seeded random key per conversation: that is the "random" of the random sample.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Conversation:
    """One call that reached the customer, as QA sees it (the attempt, on the tenant's local calendar)."""

    attempt_id: int
    operator_id: int
    day: date  # local day of the call
    outcome: str  # the disposition
    talk_seconds: int | None = None
    csat: int | None = None
    nps: int | None = None
    callback_requested: bool = False


def weekly_sample(conversations: Iterable[Conversation], *, per_operator: int, seed: str) -> dict[int, list[int]]:
    """operator id -> the attempt ids sampled for them (at most `per_operator` each), in pick order."""
    by_operator: dict[int, list[Conversation]] = defaultdict(list)
    for conversation in conversations:
        by_operator[conversation.operator_id].append(conversation)
    return {
        operator_id: [c.attempt_id for c in pick_evenly(calls, per_operator, f"{seed}:{operator_id}")]
        for operator_id, calls in sorted(by_operator.items())
    }


def pick_evenly(conversations: Sequence[Conversation], size: int, seed: str) -> list[Conversation]:
    pool = sorted(conversations, key=lambda c: c.attempt_id)  # input order must not matter
    generator = random.Random(seed)
    keys = {c.attempt_id: generator.random() for c in pool}
    per_day: Counter[date] = Counter()
    per_outcome: Counter[str] = Counter()
    picked: list[Conversation] = []
    left = list(pool)
    while left and len(picked) < size:
        best = min(left, key=lambda c: (per_day[c.day], per_outcome[c.outcome], keys[c.attempt_id]))
        left.remove(best)
        picked.append(best)
        per_day[best.day] += 1
        per_outcome[best.outcome] += 1
    _even_out_outcomes(picked, left, per_outcome, keys)
    return picked


def _even_out_outcomes(
    picked: list[Conversation], left: list[Conversation], per_outcome: Counter[str], keys: dict[int, float]
) -> None:
    """Swap a pick for an unpicked call of the same day while that moves a pick from an outcome with two or
    more picks more to one with fewer. Each swap lowers the sum of squared outcome counts, so this ends."""
    while True:
        swap = _best_swap(picked, left, per_outcome, keys)
        if swap is None:
            return
        out, into = swap
        picked[picked.index(out)] = into
        left.remove(into)
        left.append(out)
        per_outcome[out.outcome] -= 1
        per_outcome[into.outcome] += 1


def _best_swap(
    picked: list[Conversation], left: list[Conversation], per_outcome: Counter[str], keys: dict[int, float]
) -> tuple[Conversation, Conversation] | None:
    candidates = [
        (per_outcome[into.outcome] - per_outcome[out.outcome], keys[into.attempt_id], out.attempt_id, out, into)
        for out in picked
        for into in left
        if into.day == out.day and per_outcome[into.outcome] + 1 < per_outcome[out.outcome]
    ]
    if not candidates:
        return None
    *_, out, into = min(candidates, key=lambda candidate: candidate[:3])
    return out, into
