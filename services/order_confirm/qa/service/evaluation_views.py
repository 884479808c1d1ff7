"""Which evaluations a caller may read, and how one reads: answers, comments, versions, dispute, coaching.

A draft is its evaluator's alone; a calibration evaluation is shown to the others through the calibration
(once everyone has submitted); a submitted regular evaluation is read by the quality department, admins
and the shop's client manager of the tenant, by the supervisor of the operator's team, and by the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import Session, col, select

from services.common.problems import NotFound
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Operator, Tenant
from services.order_confirm.qa.models import (
    QaAcknowledgement,
    QaComment,
    QaEvaluation,
    QaScorecardVersion,
)
from services.order_confirm.qa.service import disputes
from services.order_confirm.qa.service.access import team_of
from services.order_confirm.qa.service.evaluations import CALIBRATION, DRAFT, REGULAR, SUBMITTED, answers_of
from services.order_confirm.service.scope import Scope


@dataclass(frozen=True)
class EvaluationFilter:
    operator_id: int | None = None
    attempt_id: int | None = None
    status: str | None = None
    submitted_from: datetime | None = None
    submitted_before: datetime | None = None
    include_superseded: bool = False
    limit: int = 100
    offset: int = 0


def readable(session: Session, scope: Scope, tenant: Tenant) -> ColumnElement[bool]:
    """A WHERE clause on `QaEvaluation`: what the caller may read in this tenant."""
    mine = and_(col(QaEvaluation.evaluator_id) == scope.operator_id, col(QaEvaluation.kind) != CALIBRATION)
    submitted = and_(col(QaEvaluation.status) == SUBMITTED, col(QaEvaluation.kind) == REGULAR)
    if scope.role in (Role.QA, Role.ADMIN, Role.CLIENT_MANAGER):
        others = submitted
    elif scope.role is Role.SUPERVISOR:
        others = and_(submitted, col(QaEvaluation.operator_id).in_(sorted(team_of(session, scope.operator_id))))
    elif scope.role is Role.OPERATOR:
        others = and_(submitted, col(QaEvaluation.operator_id) == scope.operator_id)
    else:
        others = false()
    return and_(col(QaEvaluation.tenant_id) == tenant.id, or_(mine, others))


def evaluation_in_view(session: Session, scope: Scope, tenant: Tenant, evaluation_id: int) -> QaEvaluation:
    row = session.exec(
        select(QaEvaluation).where(QaEvaluation.id == evaluation_id, readable(session, scope, tenant))
    ).first()
    if row is None:
        # Calibration evaluations are read through their calibration; one's own always.
        own = session.get(QaEvaluation, evaluation_id)
        if own is None or own.tenant_id != tenant.id or own.evaluator_id != scope.operator_id:
            raise NotFound(f"No evaluation {evaluation_id}.")
        return own
    return row


def list_evaluations(session: Session, scope: Scope, tenant: Tenant, where: EvaluationFilter) -> list[QaEvaluation]:
    query = select(QaEvaluation).where(readable(session, scope, tenant))
    if where.operator_id is not None:
        query = query.where(QaEvaluation.operator_id == where.operator_id)
    if where.attempt_id is not None:
        query = query.where(QaEvaluation.attempt_id == where.attempt_id)
    if where.status is not None:
        query = query.where(QaEvaluation.status == where.status)
    if where.submitted_from is not None:
        query = query.where(col(QaEvaluation.submitted_at) >= where.submitted_from)
    if where.submitted_before is not None:
        query = query.where(col(QaEvaluation.submitted_at) < where.submitted_before)
    if not where.include_superseded:
        query = query.where(col(QaEvaluation.superseded_by_id).is_(None))
    query = query.order_by(col(QaEvaluation.id).desc()).offset(where.offset).limit(where.limit)
    return list(session.exec(query))


def view(session: Session, row: QaEvaluation) -> dict[str, Any]:
    version = session.get(QaScorecardVersion, row.scorecard_version_id)
    assert version is not None
    names = _names(session, {row.operator_id, row.evaluator_id})
    comments = session.exec(
        select(QaComment).where(QaComment.evaluation_id == row.id).order_by(col(QaComment.id))
    ).all()
    versions = session.exec(
        select(QaEvaluation.id).where(QaEvaluation.lineage == row.lineage).order_by(col(QaEvaluation.version))
    ).all()
    dispute = disputes.dispute_of(session, row.lineage) if row.kind == REGULAR else None
    acknowledgement = session.get(QaAcknowledgement, row.id)
    answers = answers_of(session, row)
    return {
        "id": row.id,
        "version": row.version,
        "versions": list(versions),
        "kind": row.kind,
        "calibration_id": row.calibration_id,
        "attempt_id": row.attempt_id,
        "operator": {"id": row.operator_id, "name": names.get(row.operator_id, "")},
        "evaluator": {"id": row.evaluator_id, "name": names.get(row.evaluator_id, "")},
        "scorecard": {
            "id": version.scorecard_id,
            "version": version.version,
            "version_id": version.id,
            "name": version.document["name"],
        },
        "status": row.status,
        "revision": row.revision,
        "score": None if row.score_hundredths is None else row.score_hundredths / 100,
        "possible_points": row.possible_points,
        "critical_failures": row.critical_failures,
        "failed": row.failed,
        "answers": answers,
        "criteria": _criteria(version.document, answers),
        "comments": [
            {"criterion_key": c.criterion_key, "at_seconds": c.at_seconds, "text": c.text, "author_id": c.author_id}
            for c in comments
        ],
        "reason": row.reason,
        "supersedes_id": row.supersedes_id,
        "superseded_by_id": row.superseded_by_id,
        "coaching_task_id": row.coaching_task_id,
        "created_at": row.created_at,
        "submitted_at": row.submitted_at,
        "acknowledged_at": acknowledgement.acknowledged_at if acknowledgement else None,
        "dispute": None if dispute is None else dispute_view(dispute),
    }


def dispute_view(dispute: Any) -> dict[str, Any]:
    return {
        "id": dispute.id,
        "evaluation_id": dispute.evaluation_id,
        "operator_id": dispute.operator_id,
        "reason": dispute.reason,
        "status": dispute.status,
        "opened_at": dispute.opened_at,
        "resolved_by_id": dispute.resolved_by_id,
        "resolution": dispute.resolution,
        "resolved_at": dispute.resolved_at,
        "rescored_evaluation_id": dispute.rescored_evaluation_id,
    }


def _criteria(document: dict[str, Any], answers: dict[str, str]) -> list[dict[str, Any]]:
    """The scorecard version's criteria in order, each with its answer: what the operator reads."""
    return [
        {
            "key": c["key"],
            "section": section["title"],
            "title": c["title"],
            "description": c.get("description", ""),
            "weight": c["weight"],
            "critical": c.get("critical", False),
            "answers": c["answers"],
            "answer": answers.get(c["key"]),
        }
        for section in document["sections"]
        for c in section["criteria"]
    ]


def is_draft(row: QaEvaluation) -> bool:
    return row.status == DRAFT


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.exec(select(Operator.id, Operator.name).where(col(Operator.id).in_(sorted(ids))))
    return {operator_id: name for operator_id, name in rows if operator_id is not None}
