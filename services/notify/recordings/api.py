"""Recordings' HTTP: Twilio's recording status callback (signed) and order_confirm's internal audio/delete.

`POST /twilio/voice/calls/{call_id}/recording` — Twilio, `X-Twilio-Signature` checked (403 otherwise).
`GET /internal/v1/tenants/{tenant}/telephony/recordings/{id}/audio` — service token; 200 / 206 / 416 / 404.
`DELETE /internal/v1/tenants/{tenant}/telephony/recordings/{id}` — service token; 204, again 204.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.http.telephony import PREFIX
from services.common.admin import require_service_token
from services.common.app import runtime_of
from services.common.capabilities import require_capability
from services.common.problems import Unprocessable, problem, validation_errors
from services.notify.api.twilio_signature import TwilioForm
from services.notify.recordings import callbacks, deletion, playback
from services.notify.recordings.urls import RECORDING_CALLBACK_PATH
from services.notify.telephony import VOICE, RangeNotSatisfiable, TelephonyUnavailable
from services.notify.telephony.problems import (
    RETRY_AFTER_SECONDS,
    RangeNotSatisfiableProblem,
    TelephonyUnavailableProblem,
)
from services.notify.telephony.ranges import parse_range

log = structlog.get_logger(__name__)
TenantSlug = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
RecordingId = Annotated[uuid.UUID, Path(description="notify's recording id (from `recording.available`)")]
CallId = Annotated[uuid.UUID, Path(description="notify's call id")]

webhooks = APIRouter(tags=["twilio webhooks"], dependencies=[Depends(require_capability(VOICE))])
internal = APIRouter(
    prefix=PREFIX,
    tags=["internal: telephony"],
    dependencies=[Depends(require_service_token(runtime_of)), Depends(require_capability(VOICE))],
)


class RecordingForm(BaseModel):
    """The fields of Twilio's recording status callback notify reads (Twilio sends more, `RecordingUrl` too)."""

    model_config = ConfigDict(extra="ignore")

    RecordingSid: str = Field(pattern=r"^RE[0-9a-fA-F]{32}$")
    RecordingStatus: str = Field(pattern="^(" + "|".join(callbacks.STATUSES) + ")$")
    RecordingDuration: int = Field(default=0, ge=0)
    RecordingChannels: int = Field(default=1, ge=1, le=2)
    RecordingStartTime: str | None = None

    def event(self) -> callbacks.RecordingStatus:
        return callbacks.RecordingStatus(
            self.RecordingSid, self.RecordingStatus, self.RecordingDuration, self.RecordingChannels, self._started()
        )

    def _started(self) -> datetime | None:
        try:
            started = parsedate_to_datetime(self.RecordingStartTime or "")
        except (TypeError, ValueError):
            return None  # absent or unreadable: the recording is still worth keeping
        return started if started.tzinfo is not None else None


_CALLBACK_RESPONSES: dict[int | str, dict[str, Any]] = {
    204: {"description": "Applied (or seen before: a retry or an earlier status arriving late changes nothing)"},
    403: {"description": "`twilio_signature_invalid`: not signed by Twilio; nothing changed"},
    404: {"description": "`call_not_found`: no such call"},
    422: {"description": "`validation_failed`: not a recording status callback"},
}


@webhooks.post(RECORDING_CALLBACK_PATH, status_code=204, response_class=Response, responses=_CALLBACK_RESPONSES)
def recording_status(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    """Twilio's `recordingStatusCallback`: `completed` stores the recording and sends `recording.available`."""
    try:
        event = RecordingForm.model_validate(form).event()
    except ValidationError as error:
        raise Unprocessable("Not a recording status callback.", errors=validation_errors(error.errors())) from None
    applied = callbacks.record_callback(runtime_of(request), str(call_id), event)
    log.info("recording.callback", call_id=str(call_id), status=event.status, applied=applied)
    return Response(status_code=204)


def _problem_example(status: int, code: str, title: str, detail: str) -> dict[str, Any]:
    body = {"type": f"https://okno.dev/problems/{code}", "title": title, "status": status, "detail": detail}
    return {"application/problem+json": {"example": {**body, "code": code, "instance": "/internal/v1/…"}}}


_AUDIO = {"schema": {"type": "string", "format": "binary"}}
_RANGE_HEADERS = {
    "Accept-Ranges": {"description": "Always `bytes`", "schema": {"type": "string"}},
    "Content-Length": {"description": "Bytes in this answer", "schema": {"type": "integer"}},
}
_NOT_FOUND = _problem_example(404, "recording_not_found", "No such recording", "No recording 3f0c….")
_AUDIO_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The whole recording (no `Range`, or one this endpoint ignores: see docs/telephony.md)",
        "content": {"audio/mpeg": _AUDIO, "audio/wav": _AUDIO},
        "headers": _RANGE_HEADERS,
    },
    206: {
        "description": "The asked range, e.g. `Range: bytes=0-99`, `bytes=100-` or the suffix `bytes=-50`",
        "content": {"audio/mpeg": _AUDIO, "audio/wav": _AUDIO},
        "headers": {
            **_RANGE_HEADERS,
            "Content-Range": {"description": "`bytes 0-99/48213`", "schema": {"type": "string"}},
        },
    },
    401: {"description": "Service token missing or wrong"},
    404: {"description": "Another tenant's, deleted, or never recorded", "content": _NOT_FOUND},
    416: {
        "description": "The range starts past the end (or is an empty suffix)",
        "headers": {"Content-Range": {"description": "`bytes */48213`", "schema": {"type": "string"}}},
        "content": _problem_example(
            416, "range_not_satisfiable", "The range is outside the recording", "The recording has 48213 bytes."
        ),
    },
    503: {
        "description": "The provider did not answer (`Retry-After`); or telephony is not configured",
        "content": _problem_example(
            503, "telephony_unavailable", "The telephony provider did not answer", "Twilio 503"
        ),
    },
}


@internal.get("/recordings/{recording_id}/audio", response_class=Response, responses=_AUDIO_RESPONSES)
def recording_audio(
    request: Request,
    tenant: TenantSlug,
    recording_id: RecordingId,
    range_header: Annotated[str | None, Header(alias="Range", description="`bytes=first-last`, one range")] = None,
) -> Response:
    """The recording's audio, fetched from the provider with notify's credentials and streamed (seekable)."""
    runtime = runtime_of(request)
    try:
        audio = playback.open_audio(runtime, tenant, str(recording_id), parse_range(range_header))
    except RangeNotSatisfiable as error:
        detail = f"The recording has {error.total_size} bytes."
        unsatisfiable = RangeNotSatisfiableProblem
        response = problem(416, unsatisfiable.code, unsatisfiable.title, detail, request.url.path)
        response.headers["Content-Range"] = f"bytes */{error.total_size}"
        return response
    except TelephonyUnavailable as error:
        raise _unavailable() from error
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(audio.last - audio.first + 1),
        "Cache-Control": "private, no-store",  # authorized per request by order_confirm; never kept by a proxy
    }
    if audio.partial:
        headers["Content-Range"] = f"bytes {audio.first}-{audio.last}/{audio.total_size}"
    status = 206 if audio.partial else 200
    return StreamingResponse(playback.streamed(audio), status, headers, media_type=audio.content_type)


@internal.delete(
    "/recordings/{recording_id}",
    status_code=204,
    response_class=Response,
    responses={
        204: {"description": "Deleted at the provider and in Okno (again: 204); `recording.deleted` was sent"},
        401: {"description": "Service token missing or wrong"},
        404: {"description": "Another tenant's, or never recorded", "content": _NOT_FOUND},
        503: {
            "description": "The provider did not delete it (`Retry-After`): nothing changed, ask again",
            "content": _problem_example(
                503, "telephony_unavailable", "The telephony provider did not answer", "Twilio 503"
            ),
        },
    },
)
def delete_recording(request: Request, tenant: TenantSlug, recording_id: RecordingId) -> Response:
    try:
        deletion.delete_requested(runtime_of(request), tenant, str(recording_id))
    except TelephonyUnavailable as error:
        raise _unavailable() from error
    return Response(status_code=204)


def _unavailable() -> TelephonyUnavailableProblem:
    # Twilio's own message stays in the logs of the provider module; the caller needs the code and when to retry.
    return TelephonyUnavailableProblem(
        "The telephony provider could not be reached; nothing changed, try again.", retry_after=RETRY_AFTER_SECONDS
    )
