"""One window: which operator becomes a new customer's owner.

Among the tenant's operators who are on shift and under capacity, the one with the fewest active
customers; ties go to the one idle longest (then the lower id, so the choice is deterministic).
Nobody qualifies -> None: the customer waits in the tenant's unassigned pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.order_confirm.domain.vocabulary import OperatorStatus


@dataclass(frozen=True)
class OwnerCandidate:
    operator_id: int
    status: OperatorStatus
    active_customers: int
    capacity: int
    idle_since: datetime  # last assignment, or when they came on shift if later

    @property
    def eligible(self) -> bool:
        return self.status.on_shift and self.active_customers < self.capacity


def choose_owner(candidates: list[OwnerCandidate]) -> OwnerCandidate | None:
    eligible = [candidate for candidate in candidates if candidate.eligible]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (c.active_customers, c.idle_since, c.operator_id))
