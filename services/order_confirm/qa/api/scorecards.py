"""Scorecards (versioned) and the tenant's QA settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from services.order_confirm.api.deps import CurrentScope, NowDep, PathId, SessionDep
from services.order_confirm.qa.api.common import ERRORS, NOT_FOUND, PREFIX, TenantId
from services.order_confirm.qa.domain.policy import QaPolicyDocument
from services.order_confirm.qa.domain.scorecard import ALL_ANSWERS, Answer, Scorecard, scorecard_from_document
from services.order_confirm.qa.domain.starter import starter_scorecard
from services.order_confirm.qa.service import scorecards, tenant_settings
from services.order_confirm.qa.service.access import CONFIGURERS, READERS, tenant_for

router = APIRouter(prefix=PREFIX, tags=["qa"])
_STARTER = starter_scorecard("en").to_document()


class CriterionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(max_length=40, description="Stable id of the criterion within the card, e.g. `read_back`")
    title: str = Field(max_length=200)
    description: str = Field("", max_length=500)
    weight: int = Field(ge=0, le=100, description="Points of the 100-point card (0 only for critical ones)")
    critical: bool = Field(False, description="'No' zeroes the whole evaluation")
    answers: list[Answer] = Field(default_factory=lambda: list(ALL_ANSWERS), min_length=2, max_length=4)


class SectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=200)
    criteria: list[CriterionBody] = Field(max_length=60)


class ScorecardBody(BaseModel):
    """A whole scorecard; the weights of all criteria must add up to 100 (else 422 `invalid_scorecard`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{**_STARTER, "default": True}]})
    name: str = Field(max_length=200)
    sections: list[SectionBody] = Field(max_length=20)
    default: bool = Field(False, description="Use it for evaluations that name no scorecard")

    def scorecard(self) -> Scorecard:
        return scorecard_from_document(self.model_dump(mode="json", exclude={"default"}))


class ScorecardChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{**_STARTER, "based_on_version": 1}]})
    name: str = Field(max_length=200)
    sections: list[SectionBody] = Field(max_length=20)
    based_on_version: int = Field(ge=1, description="The version you edited; another change meanwhile → 412")

    def scorecard(self) -> Scorecard:
        return scorecard_from_document(self.model_dump(mode="json", exclude={"based_on_version"}))


class ScorecardFlags(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"default": True}, {"archived": True}]})
    default: bool | None = None
    archived: bool | None = None


class ScorecardView(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "version": 2,
                    "version_id": 7,
                    "versions": [1, 2],
                    "is_default": True,
                    "archived": False,
                    **_STARTER,
                    "created_at": "2026-12-01T09:00:00Z",
                    "updated_at": "2026-12-03T12:30:00Z",
                }
            ]
        }
    )
    id: int
    version: int
    version_id: int = Field(description="Evaluations name the version they were scored on by this id")
    versions: list[int]
    is_default: bool
    archived: bool
    name: str
    sections: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


def view(state: scorecards.ScorecardState) -> ScorecardView:
    row, current = state.row, state.current
    return ScorecardView(
        id=row.id or 0,
        version=current.version,
        version_id=current.id or 0,
        versions=list(state.versions),
        is_default=row.is_default,
        archived=row.archived,
        name=current.document["name"],
        sections=current.document["sections"],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.get("/scorecards", response_model=list[ScorecardView], responses=NOT_FOUND)
def list_scorecards(
    tenant_id: TenantId, session: SessionDep, scope: CurrentScope, archived: bool = Query(False)
) -> list[ScorecardView]:
    tenant = tenant_for(session, scope, tenant_id, READERS)
    return [view(state) for state in scorecards.list_scorecards(session, tenant, archived=archived)]


@router.post("/scorecards", response_model=ScorecardView, status_code=201, responses=ERRORS)
def create_scorecard(
    tenant_id: TenantId, body: ScorecardBody, session: SessionDep, scope: CurrentScope, now: NowDep
) -> ScorecardView:
    tenant = tenant_for(session, scope, tenant_id, CONFIGURERS)
    return view(
        scorecards.create_scorecard(session, scope.operator, tenant, body.scorecard(), default=body.default, now=now)
    )


@router.post("/scorecards/starter", response_model=ScorecardView, status_code=201, responses=ERRORS)
def create_starter_scorecard(
    tenant_id: TenantId, session: SessionDep, scope: CurrentScope, now: NowDep
) -> ScorecardView:
    """The starter card for order confirmation, in the shop's language (the default if it is the first card)."""
    tenant = tenant_for(session, scope, tenant_id, CONFIGURERS)
    card = starter_scorecard(tenant.language)
    return view(scorecards.create_scorecard(session, scope.operator, tenant, card, default=False, now=now))


@router.get("/scorecards/{scorecard_id}", response_model=ScorecardView, responses=NOT_FOUND)
def get_scorecard(tenant_id: TenantId, scorecard_id: PathId, session: SessionDep, scope: CurrentScope) -> ScorecardView:
    tenant = tenant_for(session, scope, tenant_id, READERS)
    return view(scorecards.get_scorecard(session, tenant, scorecard_id))


@router.get("/scorecards/{scorecard_id}/versions/{version}", response_model=ScorecardView, responses=NOT_FOUND)
def get_scorecard_version(
    tenant_id: TenantId, scorecard_id: PathId, version: PathId, session: SessionDep, scope: CurrentScope
) -> ScorecardView:
    """An older version as it was (evaluations scored on it show these criteria)."""
    tenant = tenant_for(session, scope, tenant_id, READERS)
    state = scorecards.get_scorecard(session, tenant, scorecard_id)
    return view(scorecards.at_version(session, state, version))


@router.put("/scorecards/{scorecard_id}", response_model=ScorecardView, responses=ERRORS)
def change_scorecard(
    tenant_id: TenantId,
    scorecard_id: PathId,
    body: ScorecardChange,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
) -> ScorecardView:
    """Makes a new version (evaluations already made keep theirs); the same body again changes nothing."""
    tenant = tenant_for(session, scope, tenant_id, CONFIGURERS)
    state = scorecards.change_scorecard(
        session, scope.operator, tenant, scorecard_id, body.scorecard(), based_on=body.based_on_version, now=now
    )
    return view(state)


@router.patch("/scorecards/{scorecard_id}", response_model=ScorecardView, responses=ERRORS)
def set_scorecard_flags(
    tenant_id: TenantId,
    scorecard_id: PathId,
    body: ScorecardFlags,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
) -> ScorecardView:
    """Make it the default, or archive it (an archived card is not offered for new evaluations)."""
    tenant = tenant_for(session, scope, tenant_id, CONFIGURERS)
    state = scorecards.set_flags(
        session, scope.operator, tenant, scorecard_id, default=body.default, archived=body.archived, now=now
    )
    return view(state)


@router.get("/settings", response_model=QaPolicyDocument, responses=NOT_FOUND)
def get_settings(tenant_id: TenantId, session: SessionDep, scope: CurrentScope) -> QaPolicyDocument:
    tenant = tenant_for(session, scope, tenant_id, READERS)
    return tenant_settings.qa_settings(tenant).document()


@router.put("/settings", response_model=QaPolicyDocument, responses=ERRORS)
def put_settings(
    tenant_id: TenantId, body: QaPolicyDocument, session: SessionDep, scope: CurrentScope, now: NowDep
) -> QaPolicyDocument:
    """Sample size per operator and week, coaching threshold, quality target, long-call factor, calibration goal."""
    tenant = tenant_for(session, scope, tenant_id, CONFIGURERS)
    return tenant_settings.put_qa_settings(session, scope.operator, tenant, body, now=now).document()
