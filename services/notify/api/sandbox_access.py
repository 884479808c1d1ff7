"""Who may use the sandbox pages: a bearer sandbox ticket of the tenant (telephony/sandbox/tickets.py).

Outside the sandbox these routes do not exist (404), whatever the request carries.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.common.app import runtime_of
from services.common.capabilities import CapabilityState
from services.common.problems import NotFound, Unauthorized
from services.notify.telephony import VOICE
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.tickets import InvalidTicket, SandboxViewer, read_ticket


class SandboxTicketRequired(Unauthorized):
    code, title = "sandbox_ticket_required", "Open the sandbox from the console (a signed-in user of the tenant)"


class SandboxTicketInvalid(Unauthorized):
    code, title = "sandbox_ticket_invalid", "The sandbox ticket is not valid (expired, or not for this installation)"


def sandbox_only(request: Request) -> None:
    if runtime_of(request).capabilities.state(VOICE) is not CapabilityState.SANDBOX:
        raise NotFound("Not found.")


def sandbox_viewer(request: Request) -> SandboxViewer:
    sandbox_only(request)
    runtime = runtime_of(request)
    scheme, _, ticket = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not ticket.strip():
        raise SandboxTicketRequired("Send the sandbox ticket as `Authorization: Bearer <ticket>`.")
    try:
        return read_ticket(sandbox_credentials(runtime.engine), ticket.strip(), now=runtime.clock())
    except InvalidTicket as error:
        raise SandboxTicketInvalid(str(error)) from None


Viewer = Annotated[SandboxViewer, Depends(sandbox_viewer)]
