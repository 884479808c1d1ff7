"""`/api/v1/admin/tenants/{id}/telephony` (admins: the shop's numbers, routing, recording, service level)
and `/api/v1/me/telephony-line` (an operator's softphone or own phone)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlmodel import Session

from services.order_confirm.api.deps import CurrentOperator, CurrentScope, NowDep, PathId, SessionDep, require_roles
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.service.scope import Scope
from services.order_confirm.telephony import lines, tenant_settings
from services.order_confirm.telephony.calls import telephony_on
from services.order_confirm.telephony.tenant_settings import SettingsDocument, TelephonySettingsView

router = APIRouter(prefix="/api/v1", tags=["telephony"])
AdminScope = Annotated[Scope, Depends(require_roles(Role.ADMIN))]
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such tenant among yours"},
    409: {"description": "`telephony_number_taken`: a number is another shop's"},
    422: {"description": "Invalid settings (every problem listed in `errors`)"},
}


class LineChoice(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    line: lines.LineKind = Field(description="browser: the console's softphone; phone: Okno rings your phone first")
    phone_number: Annotated[str, StringConstraints(min_length=3, max_length=32)] | None = Field(
        None, description="Your phone (required for line 'phone'), e.g. +79161234567"
    )


class LineView(BaseModel):
    line: lines.LineKind
    phone_number: str | None
    telephony: bool = Field(
        False, description="One of your shops calls through Okno: the console registers your softphone"
    )


@router.get("/admin/tenants/{tenant_id}/telephony", response_model=TelephonySettingsView, responses=ERRORS)
def read_settings(tenant_id: PathId, session: SessionDep, scope: AdminScope) -> TelephonySettingsView:
    return tenant_settings.read(session, scope.tenant_ids, tenant_id)


@router.put("/admin/tenants/{tenant_id}/telephony", response_model=TelephonySettingsView, responses=ERRORS)
def change_settings(
    tenant_id: PathId, body: SettingsDocument, session: SessionDep, scope: AdminScope, now: NowDep
) -> TelephonySettingsView:
    """The whole set; notify gets it at once (`telephony_settings.changed`). The first settings of a shop also
    send its routing projection (owners, presence, cover)."""
    return tenant_settings.update(session, scope.tenant_ids, tenant_id, body, actor=scope.operator, now=now)


@router.get("/me/telephony-line", response_model=LineView)
def my_line(session: SessionDep, operator: CurrentOperator, scope: CurrentScope) -> LineView:
    line = lines.line_of(session, operator.id or 0)
    return LineView(line=line.line, phone_number=line.phone_number, telephony=_any_telephony(session, scope))


def _any_telephony(session: Session, scope: Scope) -> bool:
    # The console asks for a softphone token only then: a shop without telephony has no line to ring.
    return any(telephony_on(session, tenant_id) for tenant_id in sorted(scope.tenant_ids))


@router.put("/me/telephony-line", response_model=LineView, responses={422: {"description": "Invalid number"}})
def choose_line(
    body: LineChoice, session: SessionDep, operator: CurrentOperator, scope: CurrentScope, now: NowDep
) -> LineView:
    """Inbound calls and "call my phone first" follow this choice."""
    line = lines.set_line(session, operator, body.line, body.phone_number, now=now)
    return LineView(line=line.line, phone_number=line.phone_number, telephony=_any_telephony(session, scope))
