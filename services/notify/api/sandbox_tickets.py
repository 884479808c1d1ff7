"""`POST /internal/v1/tenants/{tenant}/telephony/sandbox-tickets` (service token, sandbox only).

order_confirm asks for a ticket for a signed-in user of the tenant and opens the returned URLs; the ticket
rides in the URL fragment, so it reaches neither a server log nor a Referer header.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from contracts.http.telephony import SandboxTicket, SandboxTicketRequest
from services.common.admin import require_service_token
from services.common.app import runtime_of
from services.notify.api.sandbox_access import sandbox_only
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.tickets import mint_ticket

TenantSlug = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]

router = APIRouter(
    prefix="/internal/v1/tenants/{tenant}/telephony",
    tags=["internal: telephony"],
    dependencies=[Depends(require_service_token(runtime_of)), Depends(sandbox_only)],
)


@router.post(
    "/sandbox-tickets",
    status_code=201,
    response_model=SandboxTicket,
    responses={401: {"description": "Service token missing or wrong"}, 404: {"description": "Not a sandbox"}},
)
def create_sandbox_ticket(request: Request, tenant: TenantSlug, body: SandboxTicketRequest) -> SandboxTicket:
    runtime = runtime_of(request)
    ticket, expires_at = mint_ticket(
        sandbox_credentials(runtime.engine),
        tenant,
        body.operator_id,
        timedelta(seconds=body.ttl_seconds),
        now=runtime.clock(),
    )
    base = runtime.settings.public_base_url.rstrip("/")
    return SandboxTicket(
        ticket=ticket,
        expires_at=expires_at,
        simulator_url=f"{base}/simulator/#ticket={ticket}",
        sms_outbox_url=f"{base}/sandbox/sms/#ticket={ticket}",
    )
