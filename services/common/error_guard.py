"""The last word on a request that raised: never `text/plain`, never a traceback per request of an outage.

A database fault becomes 503 problem+json with `Retry-After` (`database_unavailable`, `database_busy`) and
goes to the database's health record, which logs a change of state once. Anything else is a bug: one log
line with its traceback and the request id, and a 500 problem+json `internal_error` carrying that id, so a
caller's report can be matched to the line. Pure ASGI, inside the request-id middleware.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.logs import current_request_id
from services.common.outages import DatabaseHealth, database_fault
from services.common.problems import problem

log = structlog.get_logger(__name__)


class ErrorGuardMiddleware:
    def __init__(self, app: ASGIApp, health: Callable[[], DatabaseHealth]) -> None:
        self.app = app
        self.health = health

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            fault = database_fault(error)
            if fault is not None:
                self.health().report(fault, error)
            else:
                log.error("request.failed", method=scope.get("method"), path=scope.get("path"), exc_info=error)
            if started:
                return  # the status line is out; ending the response is all that is left to do
            path = str(scope.get("path", ""))
            if fault is not None:
                response = problem(503, fault.code, fault.title, fault.detail, path, retry_after=fault.retry_after)
            else:
                response = problem(
                    500,
                    "internal_error",
                    "Internal error",
                    "The request failed on our side; quote `request_id` when you report it.",
                    path,
                    request_id=current_request_id(),
                )
            await response(scope, receive, send)
