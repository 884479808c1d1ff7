"""The operator's side of an evaluation: acknowledge it, or dispute it once with a reason; a supervisor of
the operator's team or the quality lead (any `qa` of the tenant who did not make the disputed version)
resolves the dispute. Upheld: the resolver re-scores, which is a new version of the evaluation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.problems import Conflict, NotFound, Unprocessable
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Operator, Tenant
from services.order_confirm.qa.models import QaAcknowledgement, QaDispute, QaEvaluation
from services.order_confirm.qa.service import evaluations
from services.order_confirm.qa.service.access import row_of, team_of
from services.order_confirm.service import audit
from services.order_confirm.service.scope import Scope

OPEN, UPHELD, REJECTED = "open", "upheld", "rejected"


class AlreadyDisputed(Conflict):
    code, title = "already_disputed", "An evaluation can be disputed once"


class AlreadyAcknowledged(Conflict):
    code, title = "already_acknowledged", "You acknowledged this evaluation"


class DisputeResolved(Conflict):
    code, title = "dispute_resolved", "The dispute is resolved"


class RescoreRequired(Unprocessable):
    code, title = "rescore_required", "An upheld dispute needs the new answers, and they must change something"


def operators_evaluation(session: Session, scope: Scope, tenant: Tenant, evaluation_id: int) -> QaEvaluation:
    """The caller's own, submitted, current, regular evaluation (anything else is not found for them)."""
    assert tenant.id is not None
    row = row_of(session, QaEvaluation, evaluation_id, tenant.id, for_update=True)
    if row.operator_id != scope.operator_id or row.status != evaluations.SUBMITTED or row.kind != evaluations.REGULAR:
        raise NotFound(f"No evaluation {evaluation_id}.")
    if row.superseded_by_id is not None:
        raise evaluations.NotCurrentVersion(f"Evaluation {evaluation_id} was replaced by {row.superseded_by_id}.")
    return row


def acknowledge(
    session: Session, scope: Scope, tenant: Tenant, evaluation_id: int, *, now: datetime
) -> QaAcknowledgement:
    row = operators_evaluation(session, scope, tenant, evaluation_id)
    found = session.get(QaAcknowledgement, evaluation_id)
    if found is not None:
        return found  # a retried acknowledgement
    dispute = _dispute_of(session, row.lineage)
    if dispute is not None and dispute.status == OPEN:
        raise AlreadyDisputed(f"Evaluation {evaluation_id} is disputed; wait for the decision.")
    acknowledgement = QaAcknowledgement(evaluation_id=evaluation_id, operator_id=scope.operator_id, acknowledged_at=now)
    session.add(acknowledgement)
    _audit(session, scope.operator, "qa_evaluation.acknowledged", "qa_evaluation", evaluation_id, tenant, {}, now)
    return acknowledgement


def open_dispute(
    session: Session, scope: Scope, tenant: Tenant, evaluation_id: int, reason: str, *, now: datetime
) -> QaDispute:
    row = operators_evaluation(session, scope, tenant, evaluation_id)
    existing = _dispute_of(session, row.lineage)
    if existing is not None:
        if existing.evaluation_id == evaluation_id and existing.reason == reason:
            return existing  # a retried dispute
        raise AlreadyDisputed(f"Evaluation {evaluation_id} was disputed already (dispute {existing.id}).")
    if session.get(QaAcknowledgement, evaluation_id) is not None:
        raise AlreadyAcknowledged(f"You acknowledged evaluation {evaluation_id}; it cannot be disputed any more.")
    assert tenant.id is not None
    dispute = QaDispute(
        tenant_id=tenant.id,
        lineage=row.lineage,
        evaluation_id=evaluation_id,
        operator_id=scope.operator_id,
        reason=reason,
        status=OPEN,
        opened_at=now,
    )
    try:
        with session.begin_nested():
            session.add(dispute)
            session.flush()
    except IntegrityError:  # a second dispute at the same moment
        raise AlreadyDisputed(f"Evaluation {evaluation_id} was disputed already.") from None
    _audit(session, scope.operator, "qa_dispute.opened", "qa_dispute", dispute.id or 0, tenant, {"reason": reason}, now)
    return dispute


def resolve(
    session: Session,
    scope: Scope,
    tenant: Tenant,
    dispute_id: int,
    *,
    upheld: bool,
    resolution: str,
    rescore: evaluations.EvaluationInput | None,
    now: datetime,
) -> QaDispute:
    assert tenant.id is not None
    dispute = row_of(session, QaDispute, dispute_id, tenant.id, for_update=True)
    disputed = row_of(session, QaEvaluation, dispute.evaluation_id, tenant.id, for_update=True)
    if not may_resolve(session, scope, dispute, disputed):
        raise NotFound(f"No dispute {dispute_id}.")
    if dispute.status != OPEN:
        raise DisputeResolved(f"Dispute {dispute_id} was {dispute.status}.")
    if upheld:
        if rescore is None or rescore.answers == evaluations.answers_of(session, disputed):
            raise RescoreRequired("Upholding a dispute re-scores the call: send `answers` that change the evaluation.")
        reason = f"Dispute {dispute_id} upheld: {resolution}"
        new = evaluations.new_version(session, scope.operator, tenant, disputed, rescore, reason=reason, now=now)
        dispute.rescored_evaluation_id = new.id
    dispute.status = UPHELD if upheld else REJECTED
    dispute.resolution, dispute.resolved_by_id, dispute.resolved_at = resolution, scope.operator_id, now
    session.add(dispute)
    after = {
        "status": dispute.status,
        "resolution": resolution,
        "rescored_evaluation_id": dispute.rescored_evaluation_id,
    }
    _audit(session, scope.operator, f"qa_dispute.{dispute.status}", "qa_dispute", dispute_id, tenant, after, now)
    return dispute


def may_resolve(session: Session, scope: Scope, dispute: QaDispute, disputed: QaEvaluation) -> bool:
    if scope.role is Role.QA:
        return disputed.evaluator_id != scope.operator_id  # nobody judges their own evaluation
    if scope.role is Role.SUPERVISOR:
        return dispute.operator_id in team_of(session, scope.operator_id)
    return False


def disputes_in_view(session: Session, scope: Scope, tenant: Tenant, status: str | None) -> list[QaDispute]:
    query = select(QaDispute).where(QaDispute.tenant_id == tenant.id)
    if status is not None:
        query = query.where(QaDispute.status == status)
    if scope.role is Role.SUPERVISOR:
        query = query.where(col(QaDispute.operator_id).in_(sorted(team_of(session, scope.operator_id))))
    elif scope.role is Role.OPERATOR:
        query = query.where(QaDispute.operator_id == scope.operator_id)
    return list(session.exec(query.order_by(col(QaDispute.opened_at), col(QaDispute.id))))


def dispute_of(session: Session, lineage: str) -> QaDispute | None:
    return _dispute_of(session, lineage)


def _dispute_of(session: Session, lineage: str) -> QaDispute | None:
    return session.exec(select(QaDispute).where(QaDispute.lineage == lineage)).first()


def _audit(
    session: Session,
    actor: Operator,
    action: str,
    entity: str,
    entity_id: int,
    tenant: Tenant,
    after: dict[str, Any],
    now: datetime,
) -> None:
    audit.record(
        session,
        now=now,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        tenant_id=tenant.id,
        after=after,
    )
