"""Survey results one by one (the figures behind the quality report), read-only and scoped like reports.

An operator finds ratings of their own calls, a supervisor their team's, a client manager and an admin every
rating in their tenants. The operator is named, nothing more about them: the shop sees no staff data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from services.order_confirm.domain.survey_outcome import NPS_DETRACTOR_MAX
from services.order_confirm.models import Attempt, Operator, Order, Tenant
from services.order_confirm.service.reports.frame import operators_in_view, tenants_in_view
from services.order_confirm.service.reports.quality import PLACED
from services.order_confirm.service.scope import Scope

NPS_PROMOTER_MIN = 9


class NpsGroup(StrEnum):
    PROMOTER = "promoter"  # 9–10
    PASSIVE = "passive"  # 7–8
    DETRACTOR = "detractor"  # 0–6


@dataclass(frozen=True)
class SurveySearch:
    called_from: datetime
    called_before: datetime
    tenant_id: int | None = None
    operator_id: int | None = None
    statuses: tuple[str, ...] = field(default_factory=tuple)
    csat: int | None = None
    nps_group: NpsGroup | None = None
    limit: int = 50
    offset: int = 0


def _nps_condition(group: NpsGroup) -> Any:
    nps = col(Attempt.nps)
    if group is NpsGroup.PROMOTER:
        return nps >= NPS_PROMOTER_MIN
    if group is NpsGroup.DETRACTOR:
        return nps <= NPS_DETRACTOR_MAX
    return nps.between(NPS_DETRACTOR_MAX + 1, NPS_PROMOTER_MIN - 1)


def search_surveys(session: Session, scope: Scope, search: SurveySearch) -> dict[str, Any]:
    """Survey calls placed after calls started in [from, before), newest first, with the page's total."""
    tenants = tenants_in_view(session, scope, search.tenant_id)
    operator_ids, _ = operators_in_view(session, scope, search.operator_id)
    conditions = [
        col(Attempt.tenant_id).in_([tenant.id for tenant in tenants]),
        col(Attempt.started_at) >= search.called_from,
        col(Attempt.started_at) < search.called_before,
        col(Attempt.survey_status).in_(search.statuses or PLACED),
    ]
    if operator_ids is not None:
        conditions.append(col(Attempt.operator_id).in_(operator_ids))
    if search.csat is not None:
        conditions.append(col(Attempt.csat) == search.csat)
    if search.nps_group is not None:
        conditions.append(_nps_condition(search.nps_group))
    total = session.execute(select(func.count()).select_from(Attempt).where(*conditions)).scalar_one()
    page = session.execute(
        select(Attempt, col(Order.external_id), col(Tenant.slug), col(Operator.name))
        .join(Order, col(Order.id) == col(Attempt.order_id))
        .join(Tenant, col(Tenant.id) == col(Attempt.tenant_id))
        .join(Operator, col(Operator.id) == col(Attempt.operator_id))
        .where(*conditions)
        .order_by(col(Attempt.started_at).desc(), col(Attempt.id).desc())
        .limit(search.limit)
        .offset(search.offset)
    ).all()
    return {"total": int(total), "items": [_item(*row) for row in page]}


def _item(attempt: Attempt, external_id: str, tenant: str, operator: str) -> dict[str, Any]:
    return {
        "attempt_id": attempt.id,
        "order_id": attempt.order_id,
        "external_id": external_id,
        "tenant": tenant,
        "called_at": attempt.started_at.isoformat(),
        "operator": operator,
        "survey_status": attempt.survey_status,
        "csat": attempt.csat,
        "nps": attempt.nps,
        "callback_requested": attempt.survey_callback_requested,
    }
