"""The sandbox records a call that has no sandbox leg (the survey simulator, tests): it keeps a generated
recording and posts Twilio's recording status callback, as the sandbox exchange does for softphone calls
(`telephony/sandbox/ringing.py`, `Ringing.post_recording`).

`post_sandbox_recording` sends `RecordingStatus=completed` (or `absent` for a call with no talk) to the call's
`recordingStatusCallback`, signed with the sandbox's auth token, through the ASGI app in-process — so notify
stores it, publishes `recording.available`, and later streams and deletes it through the same
`TwilioRecordings` code as in production (the media lives at the sandbox's REST endpoint).
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime

import anyio
from fastapi import FastAPI

from services.notify.recordings.urls import recording_callback_url
from services.notify.runtime import NotifyRuntime
from services.notify.telephony.sandbox import REST_PATH
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.recordings import CHANNELS, keep_recording, new_sid
from services.notify.telephony.sandbox.wire import Wire


async def post_sandbox_recording(
    app: FastAPI, runtime: NotifyRuntime, call_id: str, call_sid: str, talk_seconds: int, started_at: datetime
) -> str | None:
    """Record the sandbox call `call_id` (parent CallSid `call_sid`) and tell notify; the RecordingSid, or None
    when the call had no talk (Twilio then reports `absent`). Call it once the call has ended."""
    credentials = await anyio.to_thread.run_sync(sandbox_credentials, runtime.engine)
    wire = Wire(app, runtime.settings.public_base_url, credentials.account_sid, credentials.auth_token)
    sid = new_sid()
    form = {
        "CallSid": call_sid,
        "RecordingSid": sid,
        "RecordingSource": "DialVerb",
        "RecordingChannels": str(CHANNELS),
        "RecordingStartTime": format_datetime(started_at, usegmt=True),
        "RecordingStatus": "completed" if talk_seconds > 0 else "absent",
        "RecordingDuration": str(max(talk_seconds, 0)),
    }
    if talk_seconds > 0:
        await anyio.to_thread.run_sync(keep_recording, runtime.engine, sid, call_sid, talk_seconds)
        # Twilio sends the media URL too; notify ignores it and builds its own from the sid.
        form["RecordingUrl"] = wire.url(f"{REST_PATH}/2010-04-01/Accounts/{credentials.account_sid}/Recordings/{sid}")
    await wire.post(recording_callback_url(wire.base, call_id), form)
    return sid if talk_seconds > 0 else None
