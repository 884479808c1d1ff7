"""The sandbox softphone protocol: the console's sandbox driver <-> notify's telephony simulator.

The console has two softphone drivers with one interface (register, incoming, accept, reject, connect, mute,
hold, disconnect, events): the Twilio Voice JS SDK, and a sandbox driver that speaks this protocol to
notify when `AccessTokenView.provider == "sandbox"`. The simulator then plays Twilio: a `<Dial><Client>`
leg rings the operator's registered driver, and every accept, reject or hang-up is turned into the very
same signed webhooks Twilio would send (status callbacks, `<Dial action>`), so notify cannot tell them apart.

Base URL: `AccessTokenView.softphone_url`. Every request carries `Authorization: Bearer <access token>`
(the sandbox token from the same endpoint; its identity is the operator's). Mute is local to the driver,
as in Twilio's SDK; hold goes through order_confirm -> notify (`PUT …/calls/{call_id}/hold`) for both drivers.

- `GET  {softphone_url}/events` — text/event-stream (read it with `fetch`, which can send the header).
  While a stream is open the identity is registered and calls for it ring there; a driver that reconnects
  within `REGISTRATION_GRACE_SECONDS` keeps its calls. Frames: `event: <SoftphoneEventName>` and
  `data: <SoftphoneEvent JSON>`; a `: keep-alive` comment every 15 s. The stream ends when the token
  expires (after `tokenWillExpire`): reconnect with a fresh token.
- `POST {softphone_url}/calls` — `SoftphoneConnect` -> 201 `SoftphoneCall` (like `Device.connect`).
- `POST {softphone_url}/calls/{sid}/accept` | `/reject` | `/disconnect` -> 204.
- `POST {softphone_url}/calls/{sid}/digits` — `SoftphoneDigits` -> 204 (like `Call.sendDigits`).
A `sid` that is not this identity's call answers 404 `softphone_call_not_found`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, StringConstraints

from contracts.envelope import Strict

REGISTRATION_GRACE_SECONDS = 30

# Named as the Twilio Voice JS SDK names its Device and Call events, so both drivers emit the same ones.
SoftphoneEventName = Literal[
    "registered",  # the stream is open: calls for this identity ring here
    "incoming",  # an inbound call rings this operator (`call` with its custom parameters)
    "cancel",  # an incoming call stopped ringing before it was accepted (caller hung up, or rang out)
    "ringing",  # an outgoing call: the customer's phone rings
    "accept",  # the call is connected (incoming: after accept; outgoing: the customer answered)
    "disconnect",  # the call is over (either side hung up, or the provider ended it)
    "error",  # `error` says what; a call-related error carries `call`
    "tokenWillExpire",  # fetch a new token and reconnect the stream before `expires_at`
]
SoftphoneDirection = Literal["incoming", "outgoing"]


class SoftphoneCall(Strict):
    sid: str  # the call leg's CallSid, as `call.parameters.CallSid` in Twilio's SDK
    direction: SoftphoneDirection
    from_number: str  # `call.parameters.From` ("client:<identity>" on outgoing legs)
    to_number: str  # `call.parameters.To`
    custom_parameters: dict[str, str] = {}  # incoming: contracts.http.telephony.INCOMING_CALL_PARAMETERS


class SoftphoneError(Strict):
    code: int  # Twilio's error codes where one applies (31005 connection error, 31486 busy, 20104 token expired)
    message: str


class SoftphoneEvent(Strict):
    event: SoftphoneEventName
    call: SoftphoneCall | None = None
    identity: str | None = None  # on `registered`
    error: SoftphoneError | None = None
    expires_at: AwareDatetime | None = None  # on `tokenWillExpire`


class SoftphoneConnect(Strict):
    """`Device.connect({params})`: exactly `OutboundCallView.connect_params`."""

    params: dict[str, Annotated[str, StringConstraints(max_length=200)]]


class SoftphoneDigits(Strict):
    digits: Annotated[str, StringConstraints(pattern=r"^[0-9*#w]{1,32}$")]
