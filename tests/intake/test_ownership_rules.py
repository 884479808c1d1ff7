"""Who becomes a new customer's owner: fewest active customers, then idle longest; nobody -> the pool."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.order_confirm.domain.ownership import OwnerCandidate, choose_owner
from services.order_confirm.domain.vocabulary import OperatorStatus

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def candidate(operator_id: int, active: int, *, status: str = "available", capacity: int = 10, idle: int = 0):
    return OwnerCandidate(operator_id, OperatorStatus(status), active, capacity, T0 - timedelta(minutes=idle))


def test_the_least_loaded_operator_on_shift_gets_the_customer() -> None:
    chosen = choose_owner([candidate(1, 5), candidate(2, 3), candidate(3, 4, status="busy")])
    assert chosen is not None and chosen.operator_id == 2


def test_equal_load_goes_to_the_operator_idle_longest() -> None:
    chosen = choose_owner([candidate(1, 3, idle=5), candidate(2, 3, idle=30), candidate(3, 3, idle=10)])
    assert chosen is not None and chosen.operator_id == 2


def test_operators_on_break_offline_or_full_never_get_new_customers() -> None:
    candidates = [
        candidate(1, 0, status="break"),
        candidate(2, 0, status="offline"),
        candidate(3, 10, capacity=10),
    ]
    assert choose_owner(candidates) is None
    assert choose_owner([*candidates, candidate(4, 9, status="busy")]).operator_id == 4  # type: ignore[union-attr]
