"""A tenant's QA settings, the `"qa"` key of `Tenant.policy` (JSON). Missing keys take the defaults:

{"qa": {"sample_per_operator": 5, "coaching_threshold": 80, "target": 95,
        "long_call_factor": 2.0, "calibration_goal_points": 5}}
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.common.problems import Unprocessable
from services.order_confirm.qa.domain.calibration import DEFAULT_GOAL_POINTS


class InvalidQaPolicy(Unprocessable):
    code, title = "invalid_qa_policy", "The QA settings are not valid"


class QaPolicyDocument(BaseModel):
    """What may be stored under `Tenant.policy["qa"]`; also the body of `PUT /api/v1/qa/settings`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sample_per_operator": 5,
                    "coaching_threshold": 80,
                    "target": 95,
                    "long_call_factor": 2.0,
                    "calibration_goal_points": 5,
                }
            ]
        },
    )

    sample_per_operator: int = Field(5, ge=0, le=100, description="Conversations sampled per operator and week")
    coaching_threshold: int = Field(
        80, ge=0, le=100, description="A score below this (percent) opens a coaching task for the supervisor"
    )
    target: int = Field(95, ge=0, le=100, description="The quality target reports compare against (percent)")
    long_call_factor: float = Field(
        2.0, ge=1.0, le=20.0, description="A call longer than this times the operator's weekly median is flagged"
    )
    calibration_goal_points: int = Field(
        DEFAULT_GOAL_POINTS, ge=0, le=100, description="Calibration spread goal (points of 100)"
    )


@dataclass(frozen=True)
class QaPolicy:
    sample_per_operator: int = 5
    coaching_threshold: int = 80
    target: int = 95
    long_call_factor: Fraction = Fraction(2)
    calibration_goal_points: int = DEFAULT_GOAL_POINTS

    def document(self) -> QaPolicyDocument:
        return QaPolicyDocument(
            sample_per_operator=self.sample_per_operator,
            coaching_threshold=self.coaching_threshold,
            target=self.target,
            long_call_factor=float(self.long_call_factor),
            calibration_goal_points=self.calibration_goal_points,
        )


def qa_policy(document: QaPolicyDocument) -> QaPolicy:
    return QaPolicy(
        sample_per_operator=document.sample_per_operator,
        coaching_threshold=document.coaching_threshold,
        target=document.target,
        long_call_factor=Fraction(str(document.long_call_factor)),
        calibration_goal_points=document.calibration_goal_points,
    )


def parse_qa_policy(tenant_policy: dict[str, Any] | None) -> QaPolicy:
    """The tenant's QA settings from its whole policy document; InvalidQaPolicy says what is wrong."""
    try:
        document = QaPolicyDocument.model_validate((tenant_policy or {}).get("qa") or {})
    except ValidationError as error:
        raise InvalidQaPolicy(str(error)) from None
    return qa_policy(document)
