"""The public URL Twilio posts a call's recording status to (`<Dial recordingStatusCallback>`)."""

from __future__ import annotations

RECORDING_CALLBACK_PATH = "/twilio/voice/calls/{call_id}/recording"


def recording_callback_url(base: str, call_id: str) -> str:
    return base.rstrip("/") + RECORDING_CALLBACK_PATH.format(call_id=call_id)
