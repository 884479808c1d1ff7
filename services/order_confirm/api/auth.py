"""`/api/v1/auth`: OAuth2 password login, refresh-token rotation, logout, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from services.common.db import transaction
from services.common.problems import DomainError
from services.order_confirm.api.deps import (
    CurrentOperator,
    CurrentScope,
    NowDep,
    RuntimeDep,
    SessionDep,
    access_session_id,
)
from services.order_confirm.service import auth

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class OperatorView(BaseModel):
    id: int
    login: str
    name: str
    role: str
    language: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    operator: OperatorView


class RefreshRequest(BaseModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class MeResponse(OperatorView):
    status: str
    tenant_ids: list[int]


def _client(request: Request) -> auth.Client:
    return auth.Client(request.client.host if request.client else "unknown", request.headers.get("user-agent"))


def _token_response(pair: auth.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.access_expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
        operator=OperatorView.model_validate(pair.operator, from_attributes=True),
    )


def _raise_after_commit(outcome: auth.TokenPair | DomainError) -> auth.TokenPair:
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


@router.post(
    "/token",
    response_model=TokenResponse,
    responses={
        401: {"description": "Wrong login or password, unknown login, or locked for this address: one answer"},
        429: {"description": "Too many failed logins from this address"},
    },
)
def issue_token(
    runtime: RuntimeDep, now: NowDep, request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenResponse:
    # Its own transaction, committed before a refusal is raised: failed attempts must count.
    with transaction(runtime.engine) as session:
        outcome = auth.login(
            session, runtime.settings, now=now, login=form.username, password=form.password, client=_client(request)
        )
    return _token_response(_raise_after_commit(outcome))


@router.post("/refresh", response_model=TokenResponse, responses={401: {"description": "Invalid refresh token"}})
def refresh_token(runtime: RuntimeDep, now: NowDep, body: RefreshRequest) -> TokenResponse:
    with transaction(runtime.engine) as session:
        outcome = auth.refresh(session, runtime.settings, now=now, refresh_token=body.refresh_token)
    return _token_response(_raise_after_commit(outcome))


@router.post("/logout", status_code=204, response_class=Response)
def logout(
    session: SessionDep, now: NowDep, _: CurrentOperator, session_id: Annotated[str, Depends(access_session_id)]
) -> Response:
    auth.logout(session, session_id=session_id, now=now)
    return Response(status_code=204)


@router.get("/me", response_model=MeResponse)
def me(scope: CurrentScope) -> MeResponse:
    operator = scope.operator
    return MeResponse(
        id=operator.id or 0,
        login=operator.login,
        name=operator.name,
        role=operator.role,
        language=operator.language,
        status=operator.status,
        tenant_ids=sorted(scope.tenant_ids),
    )
