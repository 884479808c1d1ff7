"""Route dependencies: the runtime, one transaction per request, the caller and their scope.

`SessionDep` (sync `Session`, for sync routes and the ORM service functions) and `AsyncSessionDep`
(`AsyncSession` on the async engine, for async hot paths) commit when the route function returns (before
the response is sent), so a client never sees a success whose commit then failed; any exception rolls the
whole request back. Which to use when: docs/DEVELOPING.md "Database access".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from pydantic import Field
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.problems import NotFound
from services.common.request_sessions import async_session, gated_session
from services.order_confirm.domain.timeline_text import negotiate
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Operator
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.security.tokens import AccessClaims, read_access_token
from services.order_confirm.service import auth
from services.order_confirm.service.scope import Scope, scope_of

TOKEN_URL = "/api/v1/auth/token"
# Ids are 32-bit integer columns on PostgreSQL; anything outside is rejected as input, never sent to the DB.
DB_INT_MAX = 2_147_483_647
PathId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
QueryId = Annotated[int, Query(ge=1, le=DB_INT_MAX)]
BodyId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


# The cheap dependencies are `async def`: a sync one would cost a threadpool hop per request.
async def get_runtime(request: Request) -> OrderConfirmRuntime:
    runtime: OrderConfirmRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[OrderConfirmRuntime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[Session]:
    async with gated_session(runtime) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_async_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with async_session(runtime) as session:
        yield session


AsyncSessionDep = Annotated[AsyncSession, Depends(get_async_session, scope="function")]


async def get_now(runtime: RuntimeDep) -> datetime:
    """The request's `now`, read once from the runtime's clock (tests freeze it)."""
    return runtime.clock()


NowDep = Annotated[datetime, Depends(get_now)]


def get_current_operator(
    runtime: RuntimeDep, session: SessionDep, now: NowDep, token: Annotated[str | None, Depends(_bearer)]
) -> Operator:
    return auth.authenticate(session, runtime.settings, token=token, now=now)


CurrentOperator = Annotated[Operator, Depends(get_current_operator)]


async def get_access_claims(
    runtime: RuntimeDep, now: NowDep, token: Annotated[str | None, Depends(_bearer)]
) -> AccessClaims:
    """The bearer token's claims (signature, expiry), without the database: an async hot path folds the login
    session check into its own statement (service/queue_claim.py)."""
    return auth.access_claims(runtime.settings, token=token, now=now)


AccessClaimsDep = Annotated[AccessClaims, Depends(get_access_claims)]


def get_reader_language(
    operator: CurrentOperator,
    accept_language: Annotated[
        str | None, Header(alias="Accept-Language", max_length=200, description="ru or en (default: yours)")
    ] = None,
) -> str:
    """The language to tell server-written text in: Accept-Language, else the caller's own language."""
    return negotiate(accept_language, operator.language)


ReaderLanguage = Annotated[str, Depends(get_reader_language)]


def get_scope(session: SessionDep, operator: CurrentOperator) -> Scope:
    return scope_of(session, operator)


CurrentScope = Annotated[Scope, Depends(get_scope)]


def require_roles(*roles: Role) -> Callable[[Scope], Awaitable[Scope]]:
    """`scope: Annotated[Scope, Depends(require_roles(Role.SUPERVISOR))]`; other roles get 404, like any
    out-of-scope request, so the answer never tells a caller what exists beyond their role."""
    allowed = frozenset(roles)

    async def check(scope: CurrentScope) -> Scope:
        if scope.role not in allowed:
            raise NotFound("Not found.")
        return scope

    return check


async def access_session_id(runtime: RuntimeDep, now: NowDep, token: Annotated[str | None, Depends(_bearer)]) -> str:
    """The login session an (already authenticated) access token belongs to, for logout."""
    return read_access_token(token or "", secret=runtime.settings.jwt_secret, now=now).session_id


WorkerScope = Annotated[Scope, Depends(require_roles(Role.OPERATOR, Role.SUPERVISOR))]
SupervisorScope = Annotated[Scope, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))]
AuditReaderScope = Annotated[Scope, Depends(require_roles(Role.SUPERVISOR, Role.CLIENT_MANAGER, Role.ADMIN))]
