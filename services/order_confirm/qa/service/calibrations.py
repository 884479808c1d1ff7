"""Calibration: the same conversation scored independently by several evaluators (the quality department,
supervisors, the shop's client manager) on one scorecard version. Nobody sees another's answers until
everyone has submitted; then the spread per criterion and in total is shown against the tenant's goal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from services.common.problems import NotFound, Unprocessable
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Operator, OperatorTenant, Tenant
from services.order_confirm.qa.domain.calibration import calibration_spread
from services.order_confirm.qa.models import QaCalibration, QaCalibrationParticipant, QaEvaluation
from services.order_confirm.qa.service import evaluations
from services.order_confirm.qa.service.access import CALIBRATION_MEMBERS, conversation, row_of
from services.order_confirm.qa.service.scorecards import scorecard_of_version, version_to_use
from services.order_confirm.qa.service.tenant_settings import qa_settings
from services.order_confirm.service import audit
from services.order_confirm.service.scope import Scope

MAX_PARTICIPANTS = 20


class InvalidParticipants(Unprocessable):
    code, title = "invalid_calibration_participants", "The calibration's participants are not valid"


def create(
    session: Session,
    scope: Scope,
    tenant: Tenant,
    attempt_id: int,
    participant_ids: list[int],
    *,
    scorecard_id: int | None,
    title: str,
    now: datetime,
) -> QaCalibration:
    assert tenant.id is not None
    conversation(session, tenant.id, attempt_id)
    members = _check_participants(session, tenant.id, participant_ids)
    version = version_to_use(session, tenant, scorecard_id)
    assert version.id is not None
    row = QaCalibration(
        tenant_id=tenant.id,
        attempt_id=attempt_id,
        scorecard_version_id=version.id,
        title=title,
        created_by_id=scope.operator_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    session.add_all(QaCalibrationParticipant(calibration_id=row.id, evaluator_id=member) for member in members)
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="qa_calibration.created",
        entity="qa_calibration",
        entity_id=row.id,
        tenant_id=tenant.id,
        after={"attempt_id": attempt_id, "participants": members, "scorecard_version_id": version.id},
    )
    return row


def _check_participants(session: Session, tenant_id: int, participant_ids: list[int]) -> list[int]:
    wanted = sorted(set(participant_ids))
    found = session.exec(
        select(Operator.id).where(
            col(Operator.id).in_(wanted),
            col(Operator.active).is_(True),
            col(Operator.role).in_([role.value for role in CALIBRATION_MEMBERS]),
            OperatorTenant.operator_id == Operator.id,
            OperatorTenant.tenant_id == tenant_id,
        )
    ).all()
    errors = [
        {"field": "participants", "message": f"{missing} is not a QA evaluator, supervisor or client manager here."}
        for missing in wanted
        if missing not in set(found)
    ]
    if not 2 <= len(wanted) <= MAX_PARTICIPANTS:
        errors.append({"field": "participants", "message": f"2 to {MAX_PARTICIPANTS} different evaluators."})
    if errors:
        raise InvalidParticipants(errors[0]["message"] if len(errors) == 1 else "See `errors`.", errors=errors)
    return wanted


def participants_of(session: Session, calibration: QaCalibration) -> list[int]:
    rows = session.exec(
        select(QaCalibrationParticipant.evaluator_id).where(QaCalibrationParticipant.calibration_id == calibration.id)
    )
    return sorted(rows)


def calibration_in_view(session: Session, scope: Scope, tenant: Tenant, calibration_id: int) -> QaCalibration:
    """Its participants, and the quality department, admins and the shop's client manager of the tenant."""
    assert tenant.id is not None
    row = row_of(session, QaCalibration, calibration_id, tenant.id)
    if scope.role in (Role.QA, Role.ADMIN, Role.CLIENT_MANAGER) or scope.operator_id in participants_of(session, row):
        return row
    raise NotFound(f"No calibration {calibration_id}.")


def list_calibrations(session: Session, scope: Scope, tenant: Tenant) -> list[QaCalibration]:
    query = select(QaCalibration).where(QaCalibration.tenant_id == tenant.id)
    if scope.role not in (Role.QA, Role.ADMIN, Role.CLIENT_MANAGER):
        mine = select(QaCalibrationParticipant.calibration_id).where(
            QaCalibrationParticipant.evaluator_id == scope.operator_id
        )
        query = query.where(col(QaCalibration.id).in_(mine))
    return list(session.exec(query.order_by(col(QaCalibration.id).desc())))


def start_evaluation(
    session: Session, scope: Scope, tenant: Tenant, calibration_id: int, *, now: datetime
) -> tuple[QaEvaluation, bool]:
    """A participant's own evaluation of the calibration's call (created once)."""
    calibration = calibration_in_view(session, scope, tenant, calibration_id)
    if scope.operator_id not in participants_of(session, calibration):
        raise NotFound(f"No calibration {calibration_id}.")
    assert calibration.id is not None
    return evaluations.start(
        session,
        scope.operator,
        tenant,
        calibration.attempt_id,
        scorecard_id=None,
        now=now,
        calibration=(calibration.id, calibration.scorecard_version_id),
    )


def view(session: Session, tenant: Tenant, calibration: QaCalibration) -> dict[str, Any]:
    members = participants_of(session, calibration)
    submitted = {
        row.evaluator_id: row
        for row in session.exec(
            select(QaEvaluation).where(
                QaEvaluation.calibration_id == calibration.id, QaEvaluation.status == evaluations.SUBMITTED
            )
        )
    }
    names = dict(session.exec(select(Operator.id, Operator.name).where(col(Operator.id).in_(members))).all())
    complete = all(member in submitted for member in members)
    return {
        "id": calibration.id,
        "attempt_id": calibration.attempt_id,
        "title": calibration.title,
        "scorecard_version_id": calibration.scorecard_version_id,
        "created_at": calibration.created_at,
        "participants": [
            {"id": member, "name": names.get(member, ""), "submitted": member in submitted} for member in members
        ],
        "complete": complete,
        "spread": _spread(session, tenant, calibration, submitted) if complete else None,
    }


def _spread(
    session: Session, tenant: Tenant, calibration: QaCalibration, submitted: dict[int, QaEvaluation]
) -> dict[str, Any]:
    scorecard = scorecard_of_version(session, calibration.tenant_id, calibration.scorecard_version_id)
    answers = {evaluator: evaluations.answers_of(session, row) for evaluator, row in submitted.items()}
    spread = calibration_spread(scorecard, answers, goal_points=qa_settings(tenant).calibration_goal_points)
    return {
        "scores": {str(evaluator): hundredths / 100 for evaluator, hundredths in sorted(spread.scores.items())},
        "total_spread_points": spread.total_spread_hundredths / 100,
        "goal_points": spread.goal_points,
        "within_goal": spread.within_goal,
        "criteria_over_goal": list(spread.criteria_over_goal),
        "criteria": [
            {
                "key": c.key,
                "answers": {str(evaluator): answer.value for evaluator, answer in sorted(c.answers.items())},
                "spread_points": c.spread_hundredths / 100,
                "applicability_differs": c.applicability_differs,
            }
            for c in spread.criteria
        ],
    }
