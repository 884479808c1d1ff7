"""A ceiling on every request body, counted as it streams in, before any route sees it.

Pure ASGI, so it works whatever the route does with the body: FastAPI's parsing, `request.body()` in a
webhook, a form. A declared `Content-Length` over the limit is refused before a byte is read; a body without
one (chunked) is counted chunk by chunk and the read fails as soon as it passes the limit, so an oversized
upload is never held whole. The answer is 413 problem+json `payload_too_large`.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.problems import problem

DEFAULT_MAX_BODY_BYTES = 1_048_576


class BodyTooLarge(HTTPException):
    """Raised from `receive` once the body passes the limit. An HTTPException, so FastAPI's body parsing lets it
    through unchanged (it turns any other error while reading into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The request body must be at most {limit} bytes.")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        guard = _CountingGuard(self.max_bytes, receive, send)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            if not guard.exceeded or guard.started:
                raise
        if guard.exceeded and not guard.started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "payload_too_large",
            "The request body is too large",
            f"The request body must be at most {self.max_bytes} bytes.",
            scope.get("path", ""),
            max_bytes=self.max_bytes,
        )
        # The rest of the body stays unread: tell the client this connection is done.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


class _CountingGuard:
    """Counts the body as the app reads it; once past the limit, nothing the app answers reaches the client
    (it may have caught the error and answered something else), the middleware answers 413 instead."""

    def __init__(self, limit: int, receive: Receive, send: Send) -> None:
        self.limit = limit
        self.received = 0
        self.exceeded = False
        self.started = False
        self._receive = receive
        self._send = send

    async def receive(self) -> Message:
        if self.exceeded:
            raise BodyTooLarge(self.limit)
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.exceeded = True
                raise BodyTooLarge(self.limit)
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded and not self.started:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None
