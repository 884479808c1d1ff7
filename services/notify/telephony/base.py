"""The one capability notify needs from a voice provider: place a call that fetches our TwiML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutboundCall:
    to: str  # E.164
    url: str  # first TwiML step
    status_callback: str
    ring_timeout_seconds: int
    detect_machine: bool = True


class CallRejected(Exception):
    """The provider refused the call for good (bad number, blocked destination): retrying cannot help."""


class TelephonyUnavailable(Exception):
    """The provider could not be reached or failed on its side: the call was not placed, try again later."""


class Telephony(Protocol):
    def place_call(self, call: OutboundCall) -> str:
        """Start the call; returns the provider's call id (Twilio's CallSid)."""
        ...
