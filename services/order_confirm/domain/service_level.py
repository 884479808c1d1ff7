"""The tenant's service level for first calls (the outbound form of "80% answered within 20 s"): by default
80% of orders get their first call within 20 minutes of arriving. Parsed from `Tenant.policy["service_level"]`:

{"service_level": {"target_share": 0.8, "within_minutes": 20}}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.order_confirm.domain.policy import InvalidPolicy


@dataclass(frozen=True)
class ServiceLevelTarget:
    target_share: float = 0.8
    within: timedelta = timedelta(minutes=20)

    @property
    def within_seconds(self) -> int:
        return int(self.within.total_seconds())


class _ServiceLevelDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_share: float = Field(default=0.8, gt=0, le=1)
    within_minutes: int = Field(default=20, ge=1, le=7 * 24 * 60)


def service_level_target(policy: dict[str, Any] | None) -> ServiceLevelTarget:
    try:
        parsed = _ServiceLevelDocument.model_validate((policy or {}).get("service_level") or {})
    except ValidationError as error:
        raise InvalidPolicy(str(error)) from None
    return ServiceLevelTarget(parsed.target_share, timedelta(minutes=parsed.within_minutes))


def share(part: int, whole: int) -> float | None:
    """A ratio rounded for display (4 places = 0.01 %); None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def average(total: float | int | None, count: int) -> float | None:
    return round(float(total or 0) / count, 1) if count else None


def net_promoter_score(promoters: int, detractors: int, answered: int) -> float | None:
    """NPS = % promoters (9–10) − % detractors (0–6), from −100 to 100."""
    return round(100 * (promoters - detractors) / answered, 1) if answered else None
