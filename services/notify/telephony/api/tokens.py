"""`POST /internal/v1/tenants/{tenant}/telephony/tokens`: a short-lived softphone token for one operator.

order_confirm serves it as `GET /api/v1/telephony/token` after checking who asks; the browser never sees a
Twilio credential, only this JWT (VoiceGrant: incoming calls, outgoing only through Okno's TwiML App).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Request

from contracts.http.telephony import PREFIX, AccessTokenRequest, AccessTokenView
from services.common.admin import require_service_token
from services.common.app import runtime_of
from services.common.capabilities import CapabilityNotConfigured, require_capability
from services.notify.telephony.api.problems_doc import problem_responses
from services.notify.telephony.lines import client_identity
from services.notify.telephony.problems import TelephonyUnavailableProblem, provider_problems
from services.notify.telephony.providers import SOFTPHONE, telephony_for

TenantSlug = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]

router = APIRouter(
    prefix=PREFIX,
    tags=["internal: telephony"],
    dependencies=[Depends(require_service_token(runtime_of))],
)

_TOKEN_EXAMPLE = {
    "token": "eyJhbGciOiJIUzI1NiIsImN0eSI6InR3aWxpby1mcGE7dj0xIiwidHlwIjoiSldUIn0.eyJncmFudHMiOnt9fQ.c2lnbmF0dXJl",
    "identity": "operator_7",
    "expires_at": "2026-11-23T10:00:00Z",
    "provider": "twilio",
    "softphone_url": None,
}

TokenBody = Annotated[
    AccessTokenRequest,
    Body(
        openapi_examples={"operator": {"summary": "A 15-minute token", "value": {"operator_id": 7, "ttl_seconds": 900}}}
    ),
]


@router.post(
    "/tokens",
    status_code=201,
    response_model=AccessTokenView,
    summary="Mint an operator's softphone access token",
    dependencies=[Depends(require_capability(SOFTPHONE))],
    responses={
        201: {"content": {"application/json": {"example": _TOKEN_EXAMPLE}}},
        401: {"description": "Service token missing or wrong"},
        **problem_responses(
            (CapabilityNotConfigured, "softphone is not available on this service (not configured)."),
            (TelephonyUnavailableProblem, "The telephony provider could not be reached; try again."),
        ),
    },
)
def create_token(request: Request, tenant: TenantSlug, body: TokenBody) -> AccessTokenView:
    runtime = runtime_of(request)
    with provider_problems():
        minted = telephony_for(runtime).tokens.mint(
            client_identity(body.operator_id), timedelta(seconds=body.ttl_seconds)
        )
    return AccessTokenView(
        token=minted.token,
        identity=minted.identity,
        expires_at=minted.expires_at,
        provider=minted.provider,
        softphone_url=minted.softphone_url,
    )
