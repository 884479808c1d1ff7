"""order_confirm -> notify HTTP bodies for telephony (service token; docs/telephony.md "Internal HTTP").

notify holds every Twilio credential, so whatever the console needs from Twilio goes through these calls:
an access token for the operator's softphone, a call to start, hold or end, a recording's audio (streamed
with HTTP Range, never a Twilio URL) or its deletion. Paths are below `/internal/v1/tenants/{tenant}/`.
Errors are RFC 9457 problem+json; the codes the console must tell apart are listed in `ProblemCode`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, model_validator

from contracts.envelope import Strict
from contracts.telephony import E164, CallSnapshot, OperatorLine

PREFIX = "/internal/v1/tenants/{tenant}/telephony"
TOKENS_PATH = PREFIX + "/tokens"  # POST AccessTokenRequest -> 201 AccessTokenView
CALLS_PATH = PREFIX + "/calls"  # POST OutboundCallRequest -> 201 (or 200 when it exists) OutboundCallView
CALL_PATH = PREFIX + "/calls/{call_id}"  # GET -> CallSnapshot
CALL_HOLD_PATH = PREFIX + "/calls/{call_id}/hold"  # PUT HoldRequest -> CallSnapshot
CALL_HANGUP_PATH = PREFIX + "/calls/{call_id}/hangup"  # POST -> CallSnapshot
RECORDING_AUDIO_PATH = PREFIX + "/recordings/{recording_id}/audio"  # GET (Range) -> 200 / 206 audio bytes
RECORDING_PATH = PREFIX + "/recordings/{recording_id}"  # DELETE -> 204
SANDBOX_TICKETS_PATH = PREFIX + "/sandbox-tickets"  # POST SandboxTicketRequest -> 201 SandboxTicket

# Custom parameters notify puts on the operator's incoming call (`<Client><Parameter>`); the Twilio Voice
# SDK exposes them as `call.customParameters`, the sandbox softphone as `call.parameters`. The console pops
# the customer's card from them before the operator answers.
INCOMING_CALL_PARAMETERS = ("call_id", "tenant", "customer_id", "role", "caller")
# What the console passes to `Device.connect({params})` for an outbound call: exactly `connect_params`.
OUTBOUND_CONNECT_PARAMETER = "call_id"


class ProblemCode(StrEnum):
    CAPABILITY_NOT_CONFIGURED = "capability_not_configured"  # 503: no Twilio credentials and no sandbox
    TELEPHONY_UNAVAILABLE = "telephony_unavailable"  # 503 + Retry-After: Twilio did not answer or failed
    TELEPHONY_DISABLED = "telephony_disabled"  # 409: the tenant switched telephony off (or never set a number)
    NUMBER_REJECTED = "number_rejected"  # 422: Twilio refused the number for good (invalid, blocked)
    LINE_BUSY = "line_busy"  # 409: the operator's line already has another call
    CALL_NOT_FOUND = "call_not_found"  # 404 (also another tenant's call)
    CALL_ENDED = "call_ended"  # 409: hold on a call that is over
    CALL_NOT_ANSWERED = "call_not_answered"  # 409: hold before the customer answered (nothing to hold)
    RECORDING_NOT_FOUND = "recording_not_found"  # 404 (also deleted, or another tenant's)
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable"  # 416, with Content-Range: bytes */<size>


class AccessTokenRequest(Strict):
    """A short-lived softphone token for one operator (order_confirm checked who asks and for which tenant)."""

    operator_id: int
    ttl_seconds: Annotated[int, Field(ge=300, le=14_400)] = 3600


class AccessTokenView(Strict):
    token: str  # a Twilio Access Token (JWT, VoiceGrant: incoming allowed, outgoing = Okno's TwiML App)
    identity: str  # the operator's client identity: one per operator, whatever the tenant (one person, one line)
    expires_at: AwareDatetime
    provider: Literal["twilio", "sandbox"]  # which softphone driver the console loads
    softphone_url: str | None = None  # sandbox: base URL of the sandbox softphone protocol (contracts/http/softphone)


class OutboundCallRequest(Strict):
    """Start a call from an operator to a customer about one attempt (idempotent by `attempt_id`).

    `leg="browser"`: answers `connect_params` for the softphone's `Device.connect`, and the call starts when
    Twilio fetches Okno's TwiML App. `leg="phone"` ("call my phone first"): notify asks Twilio to ring
    `operator_phone` now and bridges the customer once the operator answers.
    """

    operator_id: int
    attempt_id: int
    order_id: int
    customer_id: int
    to: E164
    leg: OperatorLine = "browser"
    operator_phone: E164 | None = None

    @model_validator(mode="after")
    def _phone_leg_has_a_number(self) -> OutboundCallRequest:
        if self.leg == "phone" and self.operator_phone is None:
            raise ValueError("leg 'phone' needs operator_phone")
        return self


class OutboundCallView(Strict):
    call: CallSnapshot
    connect_params: dict[str, str] = {}  # browser leg: pass as Device.connect({params}); {} for the phone leg
    connect_before: AwareDatetime | None = None  # browser leg: the call_id is refused after this (ask again)


class HoldRequest(Strict):
    on_hold: bool


class SandboxTicketRequest(Strict):
    """A signed-in user of the tenant opens the sandbox pages (simulator, SMS outbox); sandbox only."""

    operator_id: int
    ttl_seconds: Annotated[int, Field(ge=60, le=43_200)] = 3600


class SandboxTicket(Strict):
    ticket: str
    expires_at: AwareDatetime
    # Open these in the browser: the ticket travels in the URL fragment (`#ticket=…`), which browsers never
    # send to a server, so it lands in no access log and no Referer.
    simulator_url: str
    sms_outbox_url: str
