"""The sandbox's Twilio REST API for recordings (sandbox only; 404 elsewhere).

`TwilioRecordings` talks to this exactly as to api.twilio.com — Basic auth with the account's sid and token,
`GET …/Recordings/{RE}.wav` with `Range`, `DELETE …/Recordings/{RE}.json` — so playback, seeking and retention
in `okno run` go through the production code. Errors are Twilio's JSON error bodies.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlmodel import Session

from services.common.app import runtime_of
from services.common.db import transaction
from services.notify.api.sandbox_access import sandbox_only
from services.notify.telephony.ranges import parse_range
from services.notify.telephony.sandbox import REST_PATH
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.recordings import (
    CONTENT_TYPE,
    delete_recording,
    live_recording,
    wav_bytes,
    wav_size,
)

ACCOUNT = "/2010-04-01/Accounts/{account_sid}"

router = APIRouter(prefix=REST_PATH, include_in_schema=False, dependencies=[Depends(sandbox_only)])


def _authorized(request: Request, account_sid: str) -> bool:
    credentials = sandbox_credentials(runtime_of(request).engine)
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return (
        scheme.lower() == "basic"
        and account_sid == credentials.account_sid
        and secrets.compare_digest(user, credentials.account_sid)
        and secrets.compare_digest(password, credentials.auth_token)
    )


def _twilio_error(status: int, code: int, message: str) -> JSONResponse:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return JSONResponse({"code": code, "message": message, "more_info": more_info, "status": status}, status)


def _duration(request: Request, sid: str) -> int | None:
    with Session(runtime_of(request).engine) as session:
        row = live_recording(session, sid)
        return None if row is None else row.duration_seconds


@router.get(ACCOUNT + "/Recordings/{recording_sid}.wav")
def recording_media(request: Request, account_sid: str, recording_sid: str) -> Response:
    if not _authorized(request, account_sid):
        return _twilio_error(401, 20003, "Authenticate")
    duration = _duration(request, recording_sid)
    if duration is None:
        return _twilio_error(404, 20404, f"The requested resource {request.url.path} was not found")
    size = wav_size(duration)
    byte_range = parse_range(request.headers.get("Range"))
    bounds = (0, size - 1) if byte_range is None else byte_range.within(size)
    if bounds is None:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    first, last = bounds
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(last - first + 1)}
    if byte_range is not None:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    status = 200 if byte_range is None else 206
    return StreamingResponse(wav_bytes(duration, first, last), status, headers, media_type=CONTENT_TYPE)


@router.delete(ACCOUNT + "/Recordings/{recording_sid}.json")
def recording_delete(request: Request, account_sid: str, recording_sid: str) -> Response:
    if not _authorized(request, account_sid):
        return _twilio_error(401, 20003, "Authenticate")
    runtime = runtime_of(request)
    with transaction(runtime.engine) as session:
        deleted = delete_recording(session, recording_sid, runtime.clock())
    if not deleted:
        return _twilio_error(404, 20404, f"The requested resource {request.url.path} was not found")
    return Response(status_code=204)
