"""The telephony boundary: one small Protocol per capability notify needs from a voice/SMS provider.

Service code (surveys, SMS, calls, routing) sees only these; `services.notify.telephony.providers` picks the
Twilio implementation (`telephony/twilio/`) or the sandbox one (`telephony/sandbox/`) once per runtime.
What the provider *runs* during a call (answer an inbound call, bridge to an operator, record) is described
with the provider-neutral steps of `telephony.voice` and rendered by the `VoiceMarkup` capability.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from services.notify.telephony.voice import VoiceStep

ProviderName = Literal["twilio", "sandbox"]


class CallRejected(Exception):
    """The provider refused the call or text for good (bad number, blocked destination): retrying cannot help."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class TelephonyUnavailable(Exception):
    """The provider could not be reached or failed on its side: nothing was done, try again later."""


# --- place a call -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundCall:
    to: str  # E.164
    url: str  # first voice document, fetched when the callee answers
    status_callback: str
    ring_timeout_seconds: int
    caller_id: str | None = None  # None = the installation's default number
    detect_machine: bool = True
    status_events: tuple[str, ...] = ("initiated", "ringing", "answered", "completed")


class CallPlacer(Protocol):
    def place_call(self, call: OutboundCall) -> str:
        """Start the call; returns the provider's call id (Twilio's CallSid)."""
        ...


# --- steer a live call (hold, hang up) ---------------------------------------------------------------------


class CallControl(Protocol):
    def redirect(self, call_sid: str, url: str) -> None:
        """Leave whatever the leg is doing and run the voice document at `url` (hold and resume use this)."""
        ...

    def hang_up(self, call_sid: str) -> None:
        """End the leg (a leg already over is not an error)."""
        ...


# --- send SMS ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingSms:
    to: str
    body: str
    status_callback: str


@dataclass(frozen=True)
class SentSms:
    message_sid: str | None
    status: str  # Twilio MessageStatus: queued, sent, delivered (the sandbox delivers at once) ...


class SmsSender(Protocol):
    def send(self, sms: OutgoingSms) -> SentSms: ...


# --- mint access tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MintedToken:
    token: str
    identity: str
    expires_at: datetime
    provider: ProviderName
    softphone_url: str | None = None  # the sandbox softphone protocol's base URL


class AccessTokens(Protocol):
    def mint(self, identity: str, ttl: timedelta) -> MintedToken: ...


# --- fetch / delete recordings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ByteRange:
    """One HTTP byte range (RFC 9110 §14.1.2): `first`-`last` inclusive, `first`- (to the end), or a suffix
    (`first` None: the last `last` bytes, `bytes=-500`)."""

    first: int | None
    last: int | None  # None = to the end

    def header(self) -> str:
        """The `Range` header that asks for exactly this range."""
        if self.first is None:
            return f"bytes=-{self.last}"
        return f"bytes={self.first}-{'' if self.last is None else self.last}"

    def within(self, total_size: int) -> tuple[int, int] | None:
        """The inclusive positions this range selects in `total_size` bytes; None = not satisfiable (416)."""
        if self.first is None:
            length = self.last or 0
            return (max(total_size - length, 0), total_size - 1) if length > 0 and total_size > 0 else None
        if self.first >= total_size:
            return None
        return self.first, total_size - 1 if self.last is None else min(self.last, total_size - 1)


@dataclass
class RecordingAudio:
    content_type: str
    total_size: int
    first: int
    last: int
    chunks: Iterator[bytes]
    partial: bool  # the answer covers a range (206), not the whole file
    close: list[object] = field(default_factory=list)  # resources to release once streamed


class RecordingNotAtProvider(Exception):
    """The provider has no such recording (deleted, or never made)."""


class RangeNotSatisfiable(Exception):
    def __init__(self, total_size: int) -> None:
        super().__init__(f"range outside 0..{total_size - 1}")
        self.total_size = total_size


class Recordings(Protocol):
    def fetch(self, recording_sid: str, byte_range: ByteRange | None) -> RecordingAudio: ...

    def delete(self, recording_sid: str) -> None:
        """Delete at the provider; a recording that is already gone is not an error."""
        ...


# --- webhooks and voice documents ---------------------------------------------------------------------------


class WebhookSignatures(Protocol):
    def valid(self, url: str, params: Mapping[str, str | list[str]], signature: str) -> bool: ...

    def sign(self, url: str, params: Mapping[str, str]) -> str: ...


class VoiceMarkup(Protocol):
    """Answer inbound calls, bridge to an operator, record: the provider's document for a list of steps."""

    media_type: str

    def render(self, steps: Sequence[VoiceStep]) -> str: ...
