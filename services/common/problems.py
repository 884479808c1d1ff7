"""RFC 9457 problem+json: one error base class with a code and a status, one handler per app."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """Base of every error a service raises on purpose; `code` is machine-readable and stable."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Not authenticated"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class PreconditionFailed(DomainError):
    status, code, title = 412, "stale_version", "The resource changed since you read it"


class Unprocessable(DomainError):
    status, code, title = 422, "validation_failed", "The request is not valid"


def problem(status: int, code: str, title: str, detail: str, instance: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://okno.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
        **extra,
    }
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(extra.get("retry_after"), int | float):
        # RFC 9110: 429 and 503 may say when to come back; clients and proxies read the header, not the body.
        headers["Retry-After"] = str(int(extra["retry_after"]))
    if status == 416 and isinstance(extra.get("complete_length"), int):
        # RFC 9110 15.5.17: an unsatisfiable range is answered with the representation's size.
        headers["Content-Range"] = f"bytes */{int(extra['complete_length'])}"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers or None)


HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """The methods some route of this app answers on the request's path."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Every field error, with a JSON-pointer-like path the client can map to an input."""
    return [
        {
            "field": ".".join(str(part) for part in error.get("loc", ()) if part != "body"),
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in errors
    ]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        return problem(
            error.status,
            error.code,
            error.title,
            error.detail,
            request.url.path,
            **error.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return problem(
            422,
            "validation_failed",
            "The request is not valid",
            "One or more fields are invalid; see `errors`.",
            request.url.path,
            errors=validation_errors(error.errors()),
        )

    @app.exception_handler(DataError)
    async def unstorable_value(request: Request, error: DataError) -> JSONResponse:
        # Input the database cannot hold (a NUL byte in a PostgreSQL text value, an out-of-range number)
        # is the caller's mistake; the transaction has been rolled back, so nothing was half-written.
        return problem(
            422,
            "unstorable_value",
            "A value cannot be stored",
            "A value in the request cannot be stored (for example a NUL character or a number out of range).",
            request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = HTTP_ERROR_CODES.get(error.status_code, "http_error")
        title = detail = str(error.detail)
        if error.status_code == 400 and isinstance(error.__cause__, RecursionError | ValueError):
            # FastAPI's own JSON parsing gave up (nesting past the recursion limit, a number int() refuses).
            code, title = "invalid_json", "The body is not acceptable JSON"
            detail = "The body could not be parsed: not JSON, nested too deeply or a number too long."
        response = problem(error.status_code, code, title, detail, request.url.path)
        response.headers.update(error.headers or {})
        if error.status_code == 405:
            # RFC 9110 15.5.6: a 405 names every method the resource has. The router's own header names only
            # the first route it tried, and a path's GET and PUT are often two routes.
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response
