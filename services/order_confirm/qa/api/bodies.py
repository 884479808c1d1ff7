"""Request bodies and response shapes of the QA routes, with the examples OpenAPI shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.order_confirm.api.deps import BodyId
from services.order_confirm.qa.domain.scorecard import Answer
from services.order_confirm.qa.service.evaluations import CommentInput, EvaluationInput

ANSWERS_EXAMPLE: dict[str, Any] = {
    "greeting": "yes",
    "identified": "yes",
    "read_back": "partly",
    "delivery_payment": "yes",
    "same_day_offered": "na",
    "objections": "na",
    "disposition": "yes",
    "closing": "no",
    "prices_correct": "yes",
    "personal_data_safe": "yes",
    "polite": "yes",
}
COMMENT_EXAMPLE: dict[str, Any] = {
    "text": "Total read back without the delivery fee",
    "at_seconds": 74,
    "criterion_key": "read_back",
}
Reason = Field(min_length=3, max_length=2000)


class CommentBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [COMMENT_EXAMPLE]})
    text: str = Field(min_length=1, max_length=2000)
    at_seconds: int | None = Field(None, ge=0, le=86_400, description="Moment of the recording, from its start")
    criterion_key: str | None = Field(None, max_length=40)


class Answers(BaseModel):
    answers: dict[str, Answer] = Field(default_factory=dict, description="criterion key → yes | partly | no | na")
    comments: list[CommentBody] = Field(default_factory=list, max_length=100)

    def evaluation_input(self) -> EvaluationInput:
        return EvaluationInput(
            {key: answer.value for key, answer in self.answers.items()},
            tuple(CommentInput(c.text, c.at_seconds, c.criterion_key) for c in self.comments),
        )


class EvaluationStart(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"attempt_id": 1042}]})
    attempt_id: BodyId = Field(description="The conversation (a call that reached the customer)")
    scorecard_id: BodyId | None = Field(None, description="Default: the tenant's default scorecard")


class DraftSave(Answers):
    """The whole draft (answers may be partial); `revision` is the one you read (another save meanwhile → 412)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"revision": 1, "answers": ANSWERS_EXAMPLE, "comments": [COMMENT_EXAMPLE]}]},
    )
    revision: int = Field(ge=1)


class Submit(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"revision": 3}]})
    revision: int = Field(ge=1)


class Correction(Answers):
    """A submitted evaluation's correction: a new version with every answer and why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"answers": ANSWERS_EXAMPLE, "comments": [], "reason": "Closing was heard after the hold"}]
        },
    )
    reason: str = Reason


class DisputeBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "I said goodbye after the hold music, at 3:12"}]},
    )
    reason: str = Reason


class Resolution(Answers):
    """`upheld` needs the re-score (`answers`, which must change something); `rejected` keeps the evaluation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcome": "upheld", "resolution": "Closing is on the recording", "answers": ANSWERS_EXAMPLE},
                {"outcome": "rejected", "resolution": "No goodbye before the customer hung up"},
            ]
        },
    )
    outcome: Literal["upheld", "rejected"]
    resolution: str = Field(min_length=1, max_length=2000)


class CoachingDone(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"note": "Went through the read-back"}]})
    note: str = Field("", max_length=500)


class Person(BaseModel):
    id: int
    name: str


class EvaluationView(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 31,
                    "version": 1,
                    "versions": [31],
                    "kind": "regular",
                    "calibration_id": None,
                    "attempt_id": 1042,
                    "operator": {"id": 7, "name": "Anna"},
                    "evaluator": {"id": 12, "name": "Kira"},
                    "scorecard": {"id": 1, "version": 2, "version_id": 5, "name": "Order confirmation"},
                    "status": "submitted",
                    "revision": 3,
                    "score": 83.33,
                    "possible_points": 90,
                    "critical_failures": [],
                    "failed": ["closing"],
                    "answers": ANSWERS_EXAMPLE,
                    "criteria": [
                        {
                            "key": "closing",
                            "section": "Closing",
                            "title": "Summed up next steps and closed politely",
                            "description": "",
                            "weight": 10,
                            "critical": False,
                            "answers": ["yes", "partly", "no", "na"],
                            "answer": "no",
                        }
                    ],
                    "comments": [{**COMMENT_EXAMPLE, "author_id": 12}],
                    "reason": None,
                    "supersedes_id": None,
                    "superseded_by_id": None,
                    "coaching_task_id": None,
                    "created_at": "2026-12-07T08:12:00Z",
                    "submitted_at": "2026-12-07T08:20:00Z",
                    "acknowledged_at": None,
                    "dispute": None,
                }
            ]
        }
    )
    id: int
    version: int
    versions: list[int]
    kind: str
    calibration_id: int | None
    attempt_id: int
    operator: Person
    evaluator: Person
    scorecard: dict[str, Any]
    status: str
    revision: int
    score: float | None = Field(description="Percent, two decimals; set once submitted")
    possible_points: int | None
    critical_failures: list[str]
    failed: list[str]
    answers: dict[str, str]
    criteria: list[dict[str, Any]] = Field(description="The scorecard version's criteria in order, with the answers")
    comments: list[dict[str, Any]]
    reason: str | None
    supersedes_id: int | None
    superseded_by_id: int | None
    coaching_task_id: int | None
    created_at: datetime
    submitted_at: datetime | None
    acknowledged_at: datetime | None
    dispute: dict[str, Any] | None


class DisputeView(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "evaluation_id": 31,
                    "operator_id": 7,
                    "reason": "I said goodbye after the hold music, at 3:12",
                    "status": "upheld",
                    "opened_at": "2026-12-07T09:00:00Z",
                    "resolved_by_id": 3,
                    "resolution": "Closing is on the recording",
                    "resolved_at": "2026-12-07T11:00:00Z",
                    "rescored_evaluation_id": 35,
                }
            ]
        }
    )
    id: int
    evaluation_id: int
    operator_id: int
    reason: str
    status: str
    opened_at: datetime
    resolved_by_id: int | None
    resolution: str | None
    resolved_at: datetime | None
    rescored_evaluation_id: int | None
