"""The public URLs Twilio fetches for outbound calls (signed by Twilio against exactly these URLs)."""

from __future__ import annotations

VOICE_PREFIX = "/twilio/voice"
OUTBOUND_PATH = VOICE_PREFIX + "/outbound"  # the TwiML App's voice URL (softphone's Device.connect)
CALL_PREFIX = VOICE_PREFIX + "/calls/{call_id}"


def call_url(base: str, call_id: str, step: str) -> str:
    """`step`: announcement, bridge, leg-status, operator-status, dial-ended, recording, hold, resume, held."""
    return base.rstrip("/") + CALL_PREFIX.format(call_id=call_id) + "/" + step
