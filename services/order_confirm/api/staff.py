"""Admin API for tenants and operators, and operator shift status (`available`, `busy`, `break`, `offline`).

Webhook secrets are not here: they belong to integrations and are issued by `okno tenant add|rotate-secret`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from services.order_confirm.api.deps import CurrentScope, NowDep, PathId, SessionDep, require_roles
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Operator, Tenant
from services.order_confirm.service import staff, tenancy
from services.order_confirm.service.scope import Scope
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec

router = APIRouter(prefix="/api/v1", tags=["staff"])
AdminScope = Annotated[Scope, Depends(require_roles(Role.ADMIN))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Not found (or outside your tenants)"}}


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TenantCreate(_Input):
    slug: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field("Europe/Moscow", max_length=64)
    country: str = Field("RU", min_length=2, max_length=2)
    language: str = Field("ru", max_length=5)


class TenantView(BaseModel):
    id: int
    slug: str
    name: str
    timezone: str
    country: str
    language: str
    created_at: datetime


class OperatorCreate(_Input):
    login: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.OPERATOR
    password: str = Field(min_length=8, max_length=200)
    tenants: list[str] = Field(min_length=1, max_length=100)
    capacity: int = Field(200, ge=0, le=100_000)
    language: str = Field("ru", max_length=5)


class OperatorPatch(_Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    capacity: int | None = Field(None, ge=0, le=100_000)
    active: bool | None = None
    password: str | None = Field(None, min_length=8, max_length=200)
    tenants: list[str] | None = Field(None, min_length=1, max_length=100)


class OperatorView(BaseModel):
    id: int
    login: str
    name: str
    role: str
    status: str
    status_changed_at: datetime
    capacity: int
    active: bool
    language: str


class StatusChange(_Input):
    status: OperatorStatus


def _tenant(tenant: Tenant) -> TenantView:
    return TenantView.model_validate(tenant, from_attributes=True)


def _operator(operator: Operator) -> OperatorView:
    return OperatorView.model_validate(operator, from_attributes=True)


@router.get("/admin/tenants", response_model=list[TenantView])
def list_tenants(session: SessionDep, scope: AdminScope) -> list[TenantView]:
    return [_tenant(tenant) for tenant in tenancy.list_tenants(session, scope.tenant_ids)]


@router.post("/admin/tenants", response_model=TenantView, status_code=201)
def create_tenant(body: TenantCreate, session: SessionDep, scope: AdminScope, now: NowDep) -> TenantView:
    spec = TenantSpec(body.slug, body.name, body.timezone, body.country, body.language)
    return _tenant(staff.create_tenant(session, scope, spec, now=now))


@router.get("/admin/operators", response_model=list[OperatorView])
def list_operators(session: SessionDep, scope: AdminScope) -> list[OperatorView]:
    return [_operator(operator) for operator in staff.operators_in_scope(session, scope)]


@router.post("/admin/operators", response_model=OperatorView, status_code=201, responses=NOT_FOUND)
def create_operator(body: OperatorCreate, session: SessionDep, scope: AdminScope, now: NowDep) -> OperatorView:
    spec = OperatorSpec(
        body.login, body.name, body.role, body.password, tuple(body.tenants), body.capacity, body.language
    )
    return _operator(staff.create_operator(session, scope, spec, now=now))


@router.patch("/admin/operators/{operator_id}", response_model=OperatorView, responses=NOT_FOUND)
def change_operator(
    operator_id: PathId, body: OperatorPatch, session: SessionDep, scope: AdminScope, now: NowDep
) -> OperatorView:
    changes = staff.OperatorChanges(
        body.name, body.capacity, body.active, body.password, tuple(body.tenants) if body.tenants else None
    )
    return _operator(staff.change_operator(session, scope, operator_id, changes, now=now))


@router.get("/me/status", response_model=OperatorView)
def my_status(scope: CurrentScope) -> OperatorView:
    return _operator(scope.operator)


@router.put("/me/status", response_model=OperatorView)
def set_my_status(body: StatusChange, session: SessionDep, scope: CurrentScope, now: NowDep) -> OperatorView:
    """Coming on shift (`available`/`busy`) takes waiting customers from the pool of your tenants."""
    return _operator(staff.change_status(session, scope, scope.operator_id, body.status, now=now))


@router.put("/operators/{operator_id}/status", response_model=OperatorView, responses=NOT_FOUND)
def set_operator_status(
    operator_id: PathId, body: StatusChange, session: SessionDep, scope: CurrentScope, now: NowDep
) -> OperatorView:
    """Supervisors and admins put operators of their tenants on or off shift."""
    return _operator(staff.change_status(session, scope, operator_id, body.status, now=now))
