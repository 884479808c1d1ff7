"""Telephony messages (docs/telephony.md): what notify needs to route a call, and the facts of every call.

order_confirm -> notify feeds notify's own **routing projection** — the tenant's telephony settings, who
works and is free, who owns which customer's phone number, who covers whom — so that a ringing call is
routed from notify's tables alone and never waits on order_confirm being up. Each projected row carries a
`revision` that only grows: a receiver keeps the highest one and ignores older or repeated messages, so
redeliveries and reordering are harmless and a full re-publication is always safe.

notify -> order_confirm reports **facts** (it decides no business state): a snapshot of each call at every
change (`CallUpdated`, again with a growing `revision`), recordings as they become available or are
deleted, and callback requests made in the voice menu. Identifiers are provider-neutral: a call is notify's
`call_id`, a recording notify's `recording_id`; no Twilio SID or URL ever leaves notify.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, AwareDatetime, Field, StringConstraints, model_validator

from contracts.envelope import Strict

E164 = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")]
Revision = Annotated[int, Field(ge=0)]
Seconds = Annotated[int, Field(ge=0)]

# --- order_confirm -> notify: the routing projection ------------------------------------------------


class TelephonySettingsChanged(Strict):
    """A tenant's telephony settings (the whole set each time; `revision` orders them).

    `numbers` are the shop's Twilio numbers: a call to any of them belongs to this tenant, and the first is
    the caller ID of the tenant's outbound calls. A number claimed by two tenants belongs to the later claim.
    """

    revision: Revision
    enabled: bool = True  # False: outbound calls are refused and inbound callers hear "closed" (callback offer)
    numbers: Annotated[list[E164], Field(max_length=20)] = []
    default_country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "RU"  # callers' numbers, as at intake
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "ru"  # voice prompts
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "Europe/Moscow"
    owner_wait_seconds: Annotated[int, Field(ge=0, le=300)] = 15  # a known customer's call waits for the owner
    cover_wait_seconds: Annotated[int, Field(ge=0, le=300)] = 15  # then this long for the owner's cover
    ring_seconds: Annotated[int, Field(ge=5, le=120)] = 20  # an offer to any other operator rings this long
    recording: bool = False
    announcement: bool = True  # with recording: the customer hears that the call is recorded, before it is
    announcement_text: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None  # None = built in
    retention_days: Annotated[int, Field(ge=1, le=3650)] = 90  # recordings are deleted (at Twilio too) after this
    service_level_seconds: Annotated[int, Field(ge=1, le=600)] = 20  # answered within = in service level
    short_abandon_seconds: Annotated[int, Field(ge=0, le=60)] = 5  # abandons this quick are counted apart
    callback_offer: bool = True  # while queued: "press 1 to be called back"
    max_queue_seconds: Annotated[int, Field(ge=30, le=3600)] = 600  # then the caller is offered a callback and let go
    hold_music_url: AnyHttpUrl | None = None  # None = Twilio's default hold music
    changed_at: AwareDatetime


PresenceStatus = Literal["available", "busy", "break", "offline"]
OperatorLine = Literal["browser", "phone"]


class OperatorPresenceChanged(Strict):
    """One operator as one tenant's routing sees them (one message per tenant the operator works for).

    Only `available` operators are offered calls: order_confirm sends `offline` when the operator signs out
    or their last session ends, and may send `busy` during after-call work. notify adds what it knows itself:
    an operator whose line rings or talks is not free, whatever the status says.
    """

    operator_id: int
    revision: Revision
    status: PresenceStatus
    member: bool = True  # False: no longer works for this tenant (never offered its calls again)
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    line: OperatorLine = "browser"  # "phone": calls reach the operator's own phone (no microphone in the browser)
    phone_number: E164 | None = None  # required for line="phone"
    changed_at: AwareDatetime

    @model_validator(mode="after")
    def _phone_line_has_a_number(self) -> OperatorPresenceChanged:
        if self.line == "phone" and self.phone_number is None:
            raise ValueError("line 'phone' needs phone_number")
        return self


class CoverChanged(Strict):
    """Who stands in for an owner of this tenant (`cover_id` None = nobody any more)."""

    owner_id: int
    cover_id: int | None
    revision: Revision
    changed_at: AwareDatetime


class CustomerRoute(Strict):
    customer_id: int
    phone: E164 | None  # the customer's identity number; None = it does not parse (no caller can match it)
    owner_id: int | None  # None = unassigned pool
    revision: Revision


class CustomerRoutesChanged(Strict):
    """Customers' numbers and owners: one on intake, many on a reassignment or a re-publication."""

    customers: Annotated[list[CustomerRoute], Field(min_length=1, max_length=1000)]
    changed_at: AwareDatetime


# --- notify -> order_confirm: facts -----------------------------------------------------------------

CallDirection = Literal["outbound", "inbound"]
# dialing: outbound, the operator's leg is being connected (browser) or rung (phone first); queued: an
# inbound caller waits for a free operator (hold music, voice menu); ringing: a phone rings (the customer's
# for outbound, an operator's for inbound); in_progress: talking (or on hold); ended: final.
CallState = Literal["dialing", "queued", "ringing", "in_progress", "ended"]
AnsweredRole = Literal["owner", "cover", "other"]
# answered: a conversation happened. no_answer / busy / failed / canceled: outbound that never connected
# (canceled = the operator hung up while it rang). abandoned: inbound caller hung up before an operator
# answered. callback_requested: inbound caller chose a callback instead of waiting. unavailable: the
# provider could not place or keep the call (the operator may record a disposition by hand).
CallOutcome = Literal[
    "answered", "no_answer", "busy", "failed", "canceled", "abandoned", "callback_requested", "unavailable"
]
OfferResult = Literal["answered", "no_answer", "rejected", "canceled", "failed"]


class CallOffer(Strict):
    """One operator's phone rang for an inbound call."""

    operator_id: int
    role: AnsweredRole
    offered_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    result: OfferResult | None = None  # None while it rings


class CallSnapshot(Strict):
    """Everything notify knows about one call at one moment; later revisions replace earlier ones."""

    call_id: uuid.UUID
    revision: Revision  # grows with every change of this call; keep the highest
    direction: CallDirection
    state: CallState
    line_number: E164 | None = None  # the shop's number: caller ID out, the number dialled in
    customer_number: str | None = None  # E.164 (outbound: dialled; inbound: the caller, None = withheld)
    customer_id: int | None = None  # outbound: from the request; inbound: matched by number (None = unknown caller)
    order_id: int | None = None  # outbound: from the request
    attempt_id: int | None = None  # outbound: from the request
    operator_id: int | None = None  # outbound: who dials; inbound: who answered
    owner_id: int | None = None  # inbound: the customer's owner when the call came in
    answered_role: AnsweredRole | None = None  # inbound: how the one who answered relates to the customer
    operator_line: OperatorLine | None = None
    offered_at: AwareDatetime  # outbound: the operator started it; inbound: it reached notify
    ringing_at: AwareDatetime | None = None  # outbound: the customer's phone rang
    answered_at: AwareDatetime | None = None  # outbound: the customer answered; inbound: an operator did
    ended_at: AwareDatetime | None = None
    wait_seconds: Seconds | None = None  # inbound: offered -> answered (or -> abandoned / callback)
    talk_seconds: Seconds = 0  # answered -> ended, without hold
    hold_seconds: Seconds = 0
    outcome: CallOutcome | None = None  # set once state is "ended"
    abandoned: bool = False
    short_abandon: bool = False  # abandoned within the tenant's short_abandon_seconds (kept apart in reports)
    on_hold: bool = False
    offers: list[CallOffer] = []
    error_code: Annotated[str, StringConstraints(max_length=40)] | None = None  # provider's code when it failed


class CallUpdated(CallSnapshot):
    """notify -> order_confirm: a call changed (ringing, answered, offered to the next operator, ended...)."""


class RecordingAvailable(Strict):
    """A call's recording is stored at the provider; audio only through notify's internal endpoint.

    The call's ids are repeated here so order_confirm can authorize playback without the call fact.
    """

    recording_id: uuid.UUID
    call_id: uuid.UUID
    direction: CallDirection
    attempt_id: int | None = None
    order_id: int | None = None
    customer_id: int | None = None
    operator_id: int | None = None
    duration_seconds: Seconds
    started_at: AwareDatetime | None = None
    delete_after: AwareDatetime  # the tenant's retention; `RecordingDeleted` follows
    recorded_at: AwareDatetime


class RecordingDeleted(Strict):
    recording_id: uuid.UUID
    call_id: uuid.UUID
    reason: Literal["retention", "requested"]
    deleted_at: AwareDatetime


class CallbackRequested(Strict):
    """An inbound caller asked to be called back (voice menu key, or the queue's time limit)."""

    call_id: uuid.UUID
    customer_id: int | None = None  # None = unknown caller
    owner_id: int | None = None  # the owner in notify's projection at the time; order_confirm decides the assignee
    requested_number: E164  # the number to call back (the caller's own, or the one they typed)
    caller_number: str | None = None  # as the network gave it (None = withheld)
    reason: Literal["pressed_key", "queue_timeout", "closed"]
    requested_at: AwareDatetime
