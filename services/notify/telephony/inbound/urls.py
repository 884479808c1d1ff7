"""The public URLs Twilio fetches for inbound calls (Twilio signs exactly these URLs)."""

from __future__ import annotations

VOICE_PREFIX = "/twilio/voice"
INBOUND_PATH = VOICE_PREFIX + "/inbound"  # the shop number's "a call comes in" webhook
INBOUND_CALL_PREFIX = INBOUND_PATH + "/{call_id}"  # wait (queue loop), gather (keys), callback-number
CALL_PREFIX = VOICE_PREFIX + "/calls/{call_id}"  # dial-ended, offers/{offer_id}/status
STATUS_PATH = VOICE_PREFIX + "/status"  # the shop number's call status callback


def _base(base: str) -> str:
    return base.rstrip("/")


def inbound_url(base: str, call_id: str, step: str) -> str:
    """`step`: wait, gather, callback-number."""
    return _base(base) + INBOUND_CALL_PREFIX.format(call_id=call_id) + "/" + step


def dial_ended_url(base: str, call_id: str) -> str:
    return _base(base) + CALL_PREFIX.format(call_id=call_id) + "/dial-ended"


def offer_status_url(base: str, call_id: str, offer_id: int) -> str:
    return _base(base) + CALL_PREFIX.format(call_id=call_id) + f"/offers/{offer_id}/status"


def recording_url(base: str, call_id: str) -> str:
    return _base(base) + CALL_PREFIX.format(call_id=call_id) + "/recording"
