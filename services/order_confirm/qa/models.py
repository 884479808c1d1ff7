"""QA tables (order_confirm metadata; registered by services.order_confirm.models). Every row belongs to one
tenant and every query filters by it (services.order_confirm.qa.access).

Nothing that was submitted is edited in place: a scorecard change is a new `QaScorecardVersion`, a
correction or an upheld dispute is a new `QaEvaluation` of the same `lineage` with the next `version`
(the older one only gets `superseded_by_id`, a pointer, so "the current version" is one indexed look-up).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field

from services.common.types import json_field, utc_field
from services.order_confirm.models.base import OrderConfirmModel


class QaScorecard(OrderConfirmModel, table=True):
    """A tenant's scorecard; what it asks is in its versions (`current_version` is the one new evaluations
    use). One scorecard per tenant is the default for evaluations that name none."""

    __tablename__ = "qa_scorecards"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    name: str = Field(max_length=200)  # the current version's name
    current_version: int = 1
    is_default: bool = False
    archived: bool = False
    created_by_id: int | None = Field(default=None, foreign_key="operators.id")
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class QaScorecardVersion(OrderConfirmModel, table=True):
    """One version of a scorecard, never changed once written (`Scorecard.to_document()`)."""

    __tablename__ = "qa_scorecard_versions"
    __table_args__ = (UniqueConstraint("scorecard_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    scorecard_id: int = Field(foreign_key="qa_scorecards.id")
    version: int
    document: dict[str, Any] = json_field()
    created_by_id: int | None = Field(default=None, foreign_key="operators.id")
    created_at: datetime = utc_field()


class QaCalibration(OrderConfirmModel, table=True):
    """One conversation scored independently by several evaluators on one scorecard version."""

    __tablename__ = "qa_calibrations"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    attempt_id: int = Field(foreign_key="attempts.id")
    scorecard_version_id: int = Field(foreign_key="qa_scorecard_versions.id")
    title: str = Field(default="", max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="operators.id")
    created_at: datetime = utc_field()


class QaCalibrationParticipant(OrderConfirmModel, table=True):
    __tablename__ = "qa_calibration_participants"

    calibration_id: int = Field(foreign_key="qa_calibrations.id", primary_key=True)
    evaluator_id: int = Field(foreign_key="operators.id", primary_key=True)


class QaEvaluation(OrderConfirmModel, table=True):
    """One version of one evaluator's evaluation of one conversation (an attempt that reached the customer).

    A draft (`status` "draft") is saved as often as the evaluator likes, each save checked against
    `revision` so two tabs never overwrite each other; submitting computes the score on the server and
    makes the row final. A correction or a re-score after an upheld dispute is a new row (`version` + 1,
    same `lineage`); the unique (lineage, version) lets only one of two concurrent corrections win."""

    __tablename__ = "qa_evaluations"
    __table_args__ = (
        UniqueConstraint("lineage", "version"),
        Index("ix_qa_evaluations_tenant_submitted", "tenant_id", "submitted_at"),
        Index("ix_qa_evaluations_operator_submitted", "operator_id", "submitted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    lineage: str = Field(max_length=32)  # shared by every version of one evaluation
    version: int = 1
    kind: str = Field(max_length=20)  # regular | calibration
    calibration_id: int | None = Field(default=None, foreign_key="qa_calibrations.id", index=True)
    attempt_id: int = Field(foreign_key="attempts.id", index=True)
    operator_id: int = Field(foreign_key="operators.id")  # whose call it was
    evaluator_id: int = Field(foreign_key="operators.id", index=True)  # who scored this version
    scorecard_version_id: int = Field(foreign_key="qa_scorecard_versions.id")
    status: str = Field(max_length=20)  # draft | submitted
    revision: int = 1  # grows with every draft save
    score_hundredths: int | None = None  # 0..10000, set on submit
    possible_points: int | None = None
    critical_failures: list[str] = json_field(default_factory=list)
    failed: list[str] = json_field(default_factory=list)
    reason: str | None = Field(default=None, sa_type=Text)  # why this version replaced the previous one
    supersedes_id: int | None = Field(default=None, foreign_key="qa_evaluations.id")
    superseded_by_id: int | None = Field(default=None, foreign_key="qa_evaluations.id")
    coaching_task_id: int | None = Field(default=None, foreign_key="tasks.id")
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    submitted_at: datetime | None = utc_field(nullable=True, default=None)


class QaAnswer(OrderConfirmModel, table=True):
    __tablename__ = "qa_answers"

    evaluation_id: int = Field(foreign_key="qa_evaluations.id", primary_key=True)
    criterion_key: str = Field(max_length=40, primary_key=True)
    answer: str = Field(max_length=10)  # scorecard.Answer


class QaComment(OrderConfirmModel, table=True):
    """A comment of an evaluation, pinned to a moment of the recording (`at_seconds`) and/or a criterion."""

    __tablename__ = "qa_comments"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    evaluation_id: int = Field(foreign_key="qa_evaluations.id", index=True)
    criterion_key: str | None = Field(default=None, max_length=40)
    at_seconds: int | None = None
    text: str = Field(max_length=2000)
    author_id: int = Field(foreign_key="operators.id")
    created_at: datetime = utc_field()


class QaAcknowledgement(OrderConfirmModel, table=True):
    """The operator has read a submitted version and accepts it."""

    __tablename__ = "qa_acknowledgements"

    evaluation_id: int = Field(foreign_key="qa_evaluations.id", primary_key=True)
    operator_id: int = Field(foreign_key="operators.id")
    acknowledged_at: datetime = utc_field()


class QaDispute(OrderConfirmModel, table=True):
    """The operator's one dispute of an evaluation (unique per lineage) and how it was resolved."""

    __tablename__ = "qa_disputes"
    __table_args__ = (
        UniqueConstraint("lineage"),
        Index("ix_qa_disputes_tenant_status", "tenant_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    lineage: str = Field(max_length=32)
    evaluation_id: int = Field(foreign_key="qa_evaluations.id")  # the version disputed
    operator_id: int = Field(foreign_key="operators.id")
    reason: str = Field(max_length=2000)
    status: str = Field(max_length=20)  # open | upheld | rejected
    opened_at: datetime = utc_field()
    resolved_by_id: int | None = Field(default=None, foreign_key="operators.id")
    resolution: str | None = Field(default=None, max_length=2000)
    resolved_at: datetime | None = utc_field(nullable=True, default=None)
    rescored_evaluation_id: int | None = Field(default=None, foreign_key="qa_evaluations.id")


class QaKudos(OrderConfirmModel, table=True):
    """Public praise of an operator's call, or the call marked as an example; the tenant's operators see it."""

    __tablename__ = "qa_kudos"
    __table_args__ = (UniqueConstraint("attempt_id", "author_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    attempt_id: int = Field(foreign_key="attempts.id")
    operator_id: int = Field(foreign_key="operators.id")
    author_id: int = Field(foreign_key="operators.id")
    kind: str = Field(max_length=20)  # kudos | example
    message: str = Field(default="", max_length=1000)
    created_at: datetime = utc_field()


class QaSampleWeek(OrderConfirmModel, table=True):
    """The random sample of one tenant's week was drawn (once): with which settings and how many per operator."""

    __tablename__ = "qa_sample_weeks"

    tenant_id: int = Field(foreign_key="tenants.id", primary_key=True)
    week: date = Field(primary_key=True)  # the local Monday
    per_operator: int
    planned: dict[str, int] = json_field(default_factory=dict)  # operator id -> conversations sampled
    drawn_at: datetime = utc_field()


class QaSampleItem(OrderConfirmModel, table=True):
    """A conversation in a week's QA work queue, with every reason it is there (`sample`, flags)."""

    __tablename__ = "qa_sample_items"
    __table_args__ = (UniqueConstraint("tenant_id", "week", "attempt_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    week: date
    attempt_id: int = Field(foreign_key="attempts.id")
    operator_id: int = Field(foreign_key="operators.id", index=True)
    reasons: list[dict[str, Any]] = json_field(default_factory=list)  # [{"kind": ..., "detail": {...}}]
    added_at: datetime = utc_field()
