"""A tenant's planning targets, parsed from `Tenant.policy`:

{"service_level": {"target_share": 0.8, "within_minutes": 20},          # speed to first call (reports too)
 "planning": {"inbound": {"target_share": 0.8, "within_seconds": 20},    # inbound calls answered
              "shrinkage": 0.3, "max_occupancy": 0.85, "short_alert_operators": 1}}

Every check says why a value cannot be planned for: an Erlang queue never answers 100 % of calls within a
bound (someone always may wait), and nothing is answered in 0 s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from services.common.problems import Unprocessable


class InvalidTargets(Unprocessable):
    code, title = "invalid_planning_targets", "These targets cannot be planned for"


@dataclass(frozen=True)
class PlanningTargets:
    first_call_share: float = 0.8
    first_call_within_minutes: int = 20
    inbound_share: float = 0.8
    inbound_within_seconds: int = 20
    shrinkage: float = 0.3  # share of paid time not on the phones (breaks, training, meetings)
    max_occupancy: float = 0.85  # busiest share of logged-in time we plan an operator for
    short_alert_operators: int = 1  # the floor alerts when the next hour lacks more operators than this

    def as_policy(self) -> dict[str, Any]:
        return {
            "service_level": {"target_share": self.first_call_share, "within_minutes": self.first_call_within_minutes},
            "planning": {
                "inbound": {"target_share": self.inbound_share, "within_seconds": self.inbound_within_seconds},
                "shrinkage": self.shrinkage,
                "max_occupancy": self.max_occupancy,
                "short_alert_operators": self.short_alert_operators,
            },
        }

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _share_errors(field: str, value: float) -> list[dict[str, str]]:
    if not 0 < value < 1:
        reason = (
            "100 % cannot be planned for: in a queue some caller may always wait longer; use at most 0.99"
            if value >= 1
            else "must be above 0"
        )
        return [{"field": field, "message": f"{value} — {reason}"}]
    return []


def check_targets(targets: PlanningTargets) -> list[dict[str, str]]:
    """Every reason the targets cannot be planned for (empty = fine)."""
    errors = _share_errors("first_call_share", targets.first_call_share)
    errors += _share_errors("inbound_share", targets.inbound_share)
    if targets.first_call_within_minutes <= 0:
        errors.append({"field": "first_call_within_minutes", "message": "must be at least 1 minute"})
    elif targets.first_call_within_minutes > 7 * 24 * 60:
        errors.append({"field": "first_call_within_minutes", "message": "at most one week (10080 minutes)"})
    if targets.inbound_within_seconds <= 0:
        errors.append(
            {"field": "inbound_within_seconds", "message": "0 s cannot be met: a call waits at least until it rings"}
        )
    elif targets.inbound_within_seconds > 3600:
        errors.append({"field": "inbound_within_seconds", "message": "at most 3600 seconds"})
    if not 0 <= targets.shrinkage < 0.9:
        errors.append({"field": "shrinkage", "message": f"{targets.shrinkage} — a share of paid time from 0 up to 0.9"})
    if not 0.3 <= targets.max_occupancy <= 1:
        errors.append({"field": "max_occupancy", "message": f"{targets.max_occupancy} — between 0.3 and 1"})
    if not 0 <= targets.short_alert_operators <= 10_000:
        errors.append({"field": "short_alert_operators", "message": "zero or more operators"})
    return errors


def validated(targets: PlanningTargets) -> PlanningTargets:
    errors = check_targets(targets)
    if errors:
        raise InvalidTargets("These targets cannot be planned for; see `errors`.", errors=errors)
    return targets


def _number(document: dict[str, Any], key: str, default: float) -> float:
    value = document.get(key, default)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _section(document: dict[str, Any] | None, key: str) -> dict[str, Any]:
    value = (document or {}).get(key)
    return value if isinstance(value, dict) else {}


def targets_from_policy(policy: dict[str, Any] | None) -> PlanningTargets:
    """The stored targets; a missing or unreadable key takes the product default (never fails a plan)."""
    speed, planning = _section(policy, "service_level"), _section(policy, "planning")
    inbound = _section(planning, "inbound")
    default = PlanningTargets()
    parsed = PlanningTargets(
        first_call_share=_number(speed, "target_share", default.first_call_share),
        first_call_within_minutes=int(_number(speed, "within_minutes", default.first_call_within_minutes)),
        inbound_share=_number(inbound, "target_share", default.inbound_share),
        inbound_within_seconds=int(_number(inbound, "within_seconds", default.inbound_within_seconds)),
        shrinkage=_number(planning, "shrinkage", default.shrinkage),
        max_occupancy=_number(planning, "max_occupancy", default.max_occupancy),
        short_alert_operators=int(_number(planning, "short_alert_operators", default.short_alert_operators)),
    )
    return parsed if not check_targets(parsed) else default
