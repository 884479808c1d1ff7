"""Per-tenant survey rules (delay, calling window, frequency, last question), for admins via the service token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from services.common.admin import require_service_token
from services.common.app import runtime_of
from services.common.db import transaction
from services.notify.surveys.tenant_rules import SurveyRulesBody, rules_of, save_rules

router = APIRouter(
    prefix="/survey-rules",
    tags=["survey rules"],
    dependencies=[Depends(require_service_token(runtime_of))],
)
TenantSlug = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


@router.get("/{tenant}", response_model=SurveyRulesBody)
def get_survey_rules(request: Request, tenant: TenantSlug) -> SurveyRulesBody:
    runtime = runtime_of(request)
    with transaction(runtime.engine) as session:
        return rules_of(session, tenant, runtime.settings)


@router.put("/{tenant}", response_model=SurveyRulesBody)
def put_survey_rules(request: Request, tenant: TenantSlug, body: SurveyRulesBody) -> SurveyRulesBody:
    runtime = runtime_of(request)
    with transaction(runtime.engine) as session:
        return save_rules(session, tenant, body, now=runtime.clock())
