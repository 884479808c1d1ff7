"""A local notify speaking contracts/http/telephony.py, for order_confirm's telephony API tests.

Minimal but real: the service token is checked, calls and recordings belong to one tenant (another tenant's
id answers 404, as notify does), `POST …/calls` is idempotent by attempt while the call is not over, audio
is streamed in chunks with HTTP Range (200, 206, 416 with `Content-Range: bytes */size`). `mode` makes it
answer as notify does without Twilio (`unconfigured`) or with Twilio down (`down`). It holds no
database, so it can answer while the caller's transaction is open without any lock to wait for.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from contracts.http import telephony as wire
from contracts.telephony import CallSnapshot

CHUNK = 4096


@dataclass
class Seen:
    method: str
    path: str
    range: str | None
    body: dict[str, Any] | None


@dataclass
class Recording:
    tenant: str
    audio: bytes
    media_type: str = "audio/wav"
    deleted: bool = False


@dataclass
class FakeNotify:
    service_token: str
    mode: Literal["up", "down", "unconfigured"] = "up"
    calls: dict[uuid.UUID, tuple[str, CallSnapshot]] = field(default_factory=dict)
    recordings: dict[uuid.UUID, Recording] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    # Set: audio streams send their first chunk, then wait for this before sending the rest.
    hold_back: threading.Event | None = None
    # Called as a recording is deleted, before the answer: notify's `recording.deleted` overtaking it.
    on_delete: Callable[[uuid.UUID], None] | None = None
    app: FastAPI = field(init=False)

    def __post_init__(self) -> None:
        self.app = _app(self)

    def requests(self, method: str, suffix: str = "") -> list[Seen]:
        return [seen for seen in self.seen if seen.method == method and seen.path.endswith(suffix)]

    def answer(self, call_id: uuid.UUID) -> None:
        """The customer picked up (what Twilio's status callback would tell notify)."""
        tenant, call = self.calls[call_id]
        self.calls[call_id] = (tenant, _next(call, state="in_progress", answered_at=datetime.now(UTC)))


def _next(call: CallSnapshot, **changes: Any) -> CallSnapshot:
    return call.model_copy(update={"revision": call.revision + 1, **changes})


def _problem(status: int, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"type": f"https://okno.dev/problems/{code}", "title": code, "status": status, "detail": code, "code": code}
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _app(fake: FakeNotify) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def gate(request: Request, call_next: Any) -> Response:
        body = await request.body()
        fake.seen.append(
            Seen(request.method, request.url.path, request.headers.get("range"), _json(body) if body else None)
        )
        if request.headers.get("authorization") != f"Bearer {fake.service_token}":
            return _problem(401, "unauthorized")
        if fake.mode == "down":
            return _problem(503, "telephony_unavailable", {"Retry-After": "30"})
        if fake.mode == "unconfigured":
            return _problem(503, "capability_not_configured")
        response: Response = await call_next(request)
        return response

    @app.post(wire.TOKENS_PATH, status_code=201)
    def token(tenant: str, body: wire.AccessTokenRequest) -> wire.AccessTokenView:
        return wire.AccessTokenView(
            token=f"sandbox.{body.operator_id}.{uuid.uuid4().hex}",
            identity=f"operator_{body.operator_id}",
            expires_at=datetime.now(UTC) + timedelta(seconds=body.ttl_seconds),
            provider="sandbox",
            softphone_url="http://127.0.0.1:9/notify/sandbox/softphone",
        )

    @app.post(wire.CALLS_PATH)
    def start(tenant: str, body: wire.OutboundCallRequest, response: Response) -> wire.OutboundCallView:
        for owner, call in fake.calls.values():
            if owner == tenant and call.attempt_id == body.attempt_id and call.state != "ended":
                response.status_code = 200
                return _view(call, body)
        call = CallSnapshot(
            call_id=uuid.uuid4(),
            revision=1,
            direction="outbound",
            state="dialing",
            line_number="+74951234567",
            customer_number=body.to,
            customer_id=body.customer_id,
            order_id=body.order_id,
            attempt_id=body.attempt_id,
            operator_id=body.operator_id,
            operator_line=body.leg,
            offered_at=datetime.now(UTC),
        )
        fake.calls[call.call_id] = (tenant, call)
        response.status_code = 201
        return _view(call, body)

    def _call(tenant: str, call_id: uuid.UUID) -> CallSnapshot | None:
        found = fake.calls.get(call_id)
        return found[1] if found is not None and found[0] == tenant else None

    @app.get(wire.CALL_PATH, response_model=None)
    def read(tenant: str, call_id: uuid.UUID) -> CallSnapshot | JSONResponse:
        return _call(tenant, call_id) or _problem(404, "call_not_found")

    @app.put(wire.CALL_HOLD_PATH, response_model=None)
    def hold(tenant: str, call_id: uuid.UUID, body: wire.HoldRequest) -> CallSnapshot | JSONResponse:
        call = _call(tenant, call_id)
        if call is None:
            return _problem(404, "call_not_found")
        if call.state == "ended":
            return _problem(409, "call_ended")
        if call.on_hold != body.on_hold:
            call = _next(call, on_hold=body.on_hold)
            fake.calls[call_id] = (tenant, call)
        return call

    @app.post(wire.CALL_HANGUP_PATH, response_model=None)
    def hangup(tenant: str, call_id: uuid.UUID) -> CallSnapshot | JSONResponse:
        call = _call(tenant, call_id)
        if call is None:
            return _problem(404, "call_not_found")
        if call.state != "ended":
            outcome = "answered" if call.answered_at else "canceled"
            call = _next(call, state="ended", on_hold=False, ended_at=datetime.now(UTC), outcome=outcome)
            fake.calls[call_id] = (tenant, call)
        return call

    @app.get(wire.RECORDING_AUDIO_PATH, response_model=None)
    def audio(tenant: str, recording_id: uuid.UUID, request: Request) -> Response:
        recording = fake.recordings.get(recording_id)
        if recording is None or recording.tenant != tenant or recording.deleted:
            return _problem(404, "recording_not_found")
        size = len(recording.audio)
        asked = _range(request.headers.get("range"), size)
        if asked == "unsatisfiable":
            return _problem(416, "range_not_satisfiable", {"Content-Range": f"bytes */{size}"})
        start, end = asked or (0, size - 1)
        headers = {"Accept-Ranges": "bytes", "Content-Length": str(end - start + 1), "X-Twilio-Request": "RQ-secret"}
        if asked:
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        body = _chunks(recording.audio[start : end + 1], fake.hold_back)
        return StreamingResponse(body, 206 if asked else 200, headers=headers, media_type=recording.media_type)

    @app.delete(wire.RECORDING_PATH, response_model=None)
    def delete(tenant: str, recording_id: uuid.UUID) -> Response:
        recording = fake.recordings.get(recording_id)
        if recording is None or recording.tenant != tenant:
            return _problem(404, "recording_not_found")
        recording.deleted = True
        if fake.on_delete is not None:
            fake.on_delete(recording_id)
        return Response(status_code=204)

    return app


def _view(call: CallSnapshot, body: wire.OutboundCallRequest) -> wire.OutboundCallView:
    if body.leg == "phone":
        return wire.OutboundCallView(call=call)
    before = call.offered_at + timedelta(seconds=60)
    return wire.OutboundCallView(call=call, connect_params={"call_id": str(call.call_id)}, connect_before=before)


def _json(body: bytes) -> dict[str, Any] | None:
    import json

    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _range(header: str | None, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """One `bytes=` range as RFC 9110 reads it; anything it cannot read is ignored (the whole file)."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[6:].strip().partition("-")
    if not (first.isdigit() or last.isdigit()) or (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:  # a suffix: the last N bytes
        length = int(last)
        return (max(size - length, 0), size - 1) if length > 0 and size > 0 else "unsatisfiable"
    start = int(first)
    if start >= size:
        return "unsatisfiable"
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if end >= start else None


def _chunks(data: bytes, hold_back: threading.Event | None) -> Iterator[bytes]:
    for offset in range(0, len(data), CHUNK):
        yield data[offset : offset + CHUNK]
        if hold_back is not None and offset == 0:
            hold_back.wait(timeout=30)
