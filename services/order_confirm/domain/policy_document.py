"""A tenant's whole policy as admins and supervisors read and write it (`/api/v1/admin/tenants/{id}/policy`,
`okno tenant policy`), in the very shape `Tenant.policy` stores it: the workflow keys (retries, calling
hours, cover grace), the first-call service level, the planning targets and the QA settings.

Every rule sits on its own field, so one 422 lists every mistake at once. The service-level and planning
rules are planning's own (`planning.domain.targets.check_targets`: the readers fall back to the defaults
when those fail, so a write must never store what they would ignore), and the QA section is QA's document.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from services.order_confirm.domain.policy import parse_step, step_text
from services.order_confirm.planning.domain.targets import PlanningTargets, check_targets
from services.order_confirm.qa.domain.policy import QaPolicyDocument

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")  # "09:00:00" is how `datetime.time` writes it


def _problem(message: str) -> PydanticCustomError:
    # A custom error keeps the message as written (a plain ValueError gets a "Value error, " prefix).
    return PydanticCustomError("invalid_policy", message)


def _retry_step(text: str) -> str:
    try:
        return step_text(parse_step(text))
    except ValueError as error:
        raise _problem(str(error)) from None


def _clock(text: str) -> str:
    match = _CLOCK.match(text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise _problem(f"{text!r} is not a time of day; write it as HH:MM, e.g. '09:00'")
    return f"{int(match[1]):02d}:{match[2]}"


def _planning_rule(target: str) -> Callable[[Any], Any]:
    """The check planning applies to `target` (a PlanningTargets field), for one field of this document."""

    def check(value: Any) -> Any:
        problems = [e for e in check_targets(replace(PlanningTargets(), **{target: value})) if e["field"] == target]
        if problems:
            raise _problem(problems[0]["message"])
        return value

    return check


RetryStepText = Annotated[str, Field(max_length=32), AfterValidator(_retry_step)]
ClockText = Annotated[str, Field(max_length=8), AfterValidator(_clock)]


class CallingHoursSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: ClockText = Field("09:00", description="First moment a customer may be called, their local time")
    end: ClockText = Field("21:00", description="Calls stop at this local time (same day, after `start`)")

    @model_validator(mode="after")
    def _not_empty(self) -> CallingHoursSection:
        if self.start >= self.end:  # both are HH:MM by now, so text order is time order
            raise _problem(f"Calling hours {self.start}–{self.end} are empty: `start` must come before `end`")
        return self


class ServiceLevelSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_share: Annotated[float, AfterValidator(_planning_rule("first_call_share"))] = Field(
        0.8, description="Share of new orders that get their first call within `within_minutes`"
    )
    within_minutes: Annotated[int, AfterValidator(_planning_rule("first_call_within_minutes"))] = 20


class InboundSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_share: Annotated[float, AfterValidator(_planning_rule("inbound_share"))] = Field(
        0.8, description="Share of inbound calls answered within `within_seconds`"
    )
    within_seconds: Annotated[int, AfterValidator(_planning_rule("inbound_within_seconds"))] = 20


class PlanningSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inbound: InboundSection = Field(default_factory=InboundSection)
    shrinkage: Annotated[float, AfterValidator(_planning_rule("shrinkage"))] = Field(
        0.3, description="Share of paid time off the phones (breaks, training)"
    )
    max_occupancy: Annotated[float, AfterValidator(_planning_rule("max_occupancy"))] = Field(
        0.85, description="Busiest share of logged-in time an operator is planned for"
    )
    short_alert_operators: Annotated[int, AfterValidator(_planning_rule("short_alert_operators"))] = Field(
        1, description="The floor alerts when the next hour lacks more operators than this"
    )


EXAMPLE: dict[str, Any] = {
    "retry_steps": ["15m", "1h", "3h", "next_day 10:00"],
    "max_attempts": 5,
    "calling_hours": {"start": "09:00", "end": "21:00"},
    "cover_grace_minutes": 15,
    "service_level": {"target_share": 0.8, "within_minutes": 20},
    "planning": {
        "inbound": {"target_share": 0.8, "within_seconds": 20},
        "shrinkage": 0.3,
        "max_occupancy": 0.85,
        "short_alert_operators": 1,
    },
    "qa": {
        "sample_per_operator": 5,
        "coaching_threshold": 80,
        "target": 95,
        "long_call_factor": 2.0,
        "calibration_goal_points": 5,
    },
}


class PolicyDocument(BaseModel):
    """The whole policy; a key left out takes the product default."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    retry_steps: list[RetryStepText] = Field(
        default_factory=lambda: ["15m", "1h", "3h", "next_day 10:00"],
        min_length=1,
        max_length=20,
        description="After the n-th unanswered call wait step n (the last repeats): '15m', '3h', '1d' or "
        "'next_day 10:00' (the customer's next day); every retry is moved into calling hours",
    )
    max_attempts: int = Field(5, ge=1, le=50, description="The n-th unanswered call makes the order unreachable")
    calling_hours: CallingHoursSection = Field(default_factory=CallingHoursSection)
    cover_grace_minutes: int = Field(
        15, ge=0, le=24 * 60, description="A task due this long while its owner is off shift goes to the cover"
    )
    service_level: ServiceLevelSection = Field(default_factory=ServiceLevelSection)
    planning: PlanningSection = Field(default_factory=PlanningSection)
    qa: QaPolicyDocument = Field(default_factory=QaPolicyDocument)


SECTIONS = tuple(PolicyDocument.model_fields)
# Each reader takes its keys together and falls back to the defaults for all of them when one is broken
# (domain.policy for the workflow, planning.domain.targets for both targets, QA for its own).
_READ_TOGETHER = (
    ("retry_steps", "max_attempts", "calling_hours", "cover_grace_minutes"),
    ("service_level", "planning"),
    ("qa",),
)


def stored_form(document: PolicyDocument) -> dict[str, Any]:
    return document.model_dump(mode="json")


def effective(stored: dict[str, Any] | None) -> tuple[PolicyDocument, list[dict[str, str]]]:
    """The policy in force: the stored keys that are valid, the defaults for the rest; and the stored keys
    that are not valid (each is ignored by its reader, which falls back to the default)."""
    known = {key: value for key, value in (stored or {}).items() if key in SECTIONS}
    try:
        return PolicyDocument.model_validate(known), []
    except ValidationError as error:
        problems = field_errors(error)
    broken = {problem["field"].split(".")[0] for problem in problems}
    ignored = {key for group in _READ_TOGETHER if broken & set(group) for key in group}
    usable = {key: value for key, value in known.items() if key not in ignored}
    return PolicyDocument.model_validate(usable), problems


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"], "type": item["type"]}
        for item in error.errors()
    ]


def merged(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON Merge Patch (RFC 7396): objects merge key by key, `null` removes a key (back to its default)."""
    result = dict(current)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def entity_tag(stored: dict[str, Any] | None) -> str:
    """A strong ETag of what is stored: any writer (this API, planning's targets, a migration) changes it."""
    canonical = json.dumps(stored or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:20] + '"'
