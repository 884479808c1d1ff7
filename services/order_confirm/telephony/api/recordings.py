"""`/api/v1/calls/{call_id}/recordings`, `/api/v1/recordings/{id}/audio` and `DELETE /api/v1/recordings/{id}`.

Audio is relayed from notify as it arrives (never read whole into memory), with the browser's `Range` passed
through and notify's answer (200, 206, 416) passed back with its range headers only: no provider URL or
header reaches the browser. Who may hear and delete what: services/order_confirm/telephony/playback.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from services.order_confirm.api.deps import CurrentScope, NowDep, RuntimeDep, SessionDep, SupervisorScope
from services.order_confirm.clients.notify_telephony import NotifyTelephony
from services.order_confirm.telephony import playback
from services.order_confirm.telephony.api.calls import UNAVAILABLE, CallId

router = APIRouter(prefix="/api/v1", tags=["telephony"])
RecordingId = Annotated[uuid.UUID, Path(description="notify's id of the recording")]
# `bytes=0-`, `bytes=100-199`, `bytes=-500`, several ranges: notify parses it; this only bounds its size.
RangeHeader = Annotated[str | None, Header(alias="Range", max_length=200, description="e.g. bytes=0- (seeking)")]
RECORDING_EXAMPLE = {
    "recording_id": "9b2d6f0a-8a53-4a5e-9d43-1f0b7c7e2a11",
    "call_id": "6f1c1c8e-3d5e-4a6b-9a57-3c2f0f3a9b10",
    "direction": "outbound",
    "attempt_id": 1042,
    "order_id": 311,
    "operator_id": 7,
    "duration_seconds": 181,
    "started_at": "2026-11-23T09:00:09Z",
    "recorded_at": "2026-11-23T09:03:12Z",
    "audio_url": "/api/v1/recordings/9b2d6f0a-8a53-4a5e-9d43-1f0b7c7e2a11/audio",
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "`recording_not_found`: no such recording, deleted, another tenant's or not yours to hear",
        "content": {"application/problem+json": {"example": {"code": "recording_not_found"}}},
    },
}


class RecordingView(BaseModel):
    recording_id: str
    call_id: str
    direction: str | None
    attempt_id: int | None
    order_id: int | None
    operator_id: int | None
    duration_seconds: int | None
    started_at: datetime | None
    recorded_at: datetime | None
    audio_url: str


@router.get(
    "/calls/{call_id}/recordings",
    response_model=list[RecordingView],
    summary="The recordings of a call you may hear (a hold splits a call into several)",
    responses={
        200: {"content": {"application/json": {"example": [RECORDING_EXAMPLE]}}},
        404: {
            "description": "`call_not_found`: no such call among those you may hear",
            "content": {"application/problem+json": {"example": {"code": "call_not_found"}}},
        },
    },
)
def call_recordings(call_id: CallId, session: SessionDep, scope: CurrentScope) -> list[RecordingView]:
    found = playback.recordings_of_call(session, scope, call_id)
    return [RecordingView.model_validate(playback.recording_view(recording)) for recording in found]


@router.get(
    "/recordings/{recording_id}/audio",
    summary="Play a recording: audio streamed through Okno, HTTP Range for seeking",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The whole recording", "content": {"audio/mpeg": {}, "audio/wav": {}}},
        206: {
            "description": "The range asked for, with `Content-Range` (`Accept-Ranges: bytes` on every answer)",
            "content": {"audio/mpeg": {}, "audio/wav": {}},
        },
        **NOT_FOUND,
        416: {
            "description": "`range_not_satisfiable`, with `Content-Range: bytes */<size>`",
            "content": {"application/problem+json": {"example": {"code": "range_not_satisfiable"}}},
        },
        **UNAVAILABLE,
    },
)
def recording_audio(
    recording_id: RecordingId,
    session: SessionDep,
    scope: CurrentScope,
    runtime: RuntimeDep,
    now: NowDep,
    byte_range: RangeHeader = None,
) -> StreamingResponse:
    """Operators hear their own calls; supervisors, QA, the shop's client manager and admins their tenants'.
    Each listener's playback of a recording is audited (`recording.played`, once per half hour)."""
    target = playback.authorize_playback(session, scope, recording_id, now=now)
    session.commit()
    audio = NotifyTelephony(runtime.settings).audio(target.tenant, recording_id, byte_range)
    headers = {**audio.headers, "Cache-Control": "private, no-store"}
    media_type = headers.pop("content-type", "audio/mpeg")
    return StreamingResponse(
        audio.chunks(),
        status_code=audio.status,
        headers=headers,
        media_type=media_type,
        background=BackgroundTask(audio.close),
    )


@router.delete(
    "/recordings/{recording_id}",
    status_code=204,
    summary="Delete a recording at Twilio and in Okno (the tenant's supervisors and admins)",
    responses={**NOT_FOUND, **UNAVAILABLE},
)
def delete_recording(
    recording_id: RecordingId, session: SessionDep, scope: SupervisorScope, runtime: RuntimeDep, now: NowDep
) -> Response:
    """Audited (`recording.deleted`); deleting it again answers 204."""
    target = playback.authorize_deletion(session, scope, recording_id)
    session.commit()
    if target is not None:
        NotifyTelephony(runtime.settings).delete_recording(target.tenant, recording_id)
        playback.mark_deleted(session, scope, target, now=now)
    return Response(status_code=204)
