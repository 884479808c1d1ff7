"""Correcting a submitted evaluation: a new version by the quality department, with the reason; never
while the operator's dispute of it is open (the dispute's resolution re-scores instead)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from services.common.problems import Conflict, NotFound
from services.order_confirm.models import Operator, Tenant
from services.order_confirm.qa.models import QaEvaluation
from services.order_confirm.qa.service import evaluations
from services.order_confirm.qa.service.access import row_of
from services.order_confirm.qa.service.disputes import OPEN, dispute_of


class DisputeOpen(Conflict):
    code, title = "dispute_open", "The evaluation is disputed: resolve the dispute instead"


def correct(
    session: Session,
    actor: Operator,
    tenant: Tenant,
    evaluation_id: int,
    answers: evaluations.EvaluationInput,
    *,
    reason: str,
    now: datetime,
) -> QaEvaluation:
    assert tenant.id is not None
    replaced = row_of(session, QaEvaluation, evaluation_id, tenant.id, for_update=True)
    if replaced.kind != evaluations.REGULAR:
        raise NotFound(f"No evaluation {evaluation_id}.")  # calibration scores are an exercise, not corrected
    dispute = dispute_of(session, replaced.lineage)
    if dispute is not None and dispute.status == OPEN:
        raise DisputeOpen(f"Evaluation {evaluation_id} is disputed (dispute {dispute.id}): resolve the dispute.")
    return evaluations.new_version(session, actor, tenant, replaced, answers, reason=reason, now=now)
