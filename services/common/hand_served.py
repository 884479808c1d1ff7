"""Routes declared as usual but served by a hand-written handler (issue 13: the hottest requests).

The route is declared with FastAPI (`add_api_route(..., route_class_override=served_by(serve))`), so OpenAPI
documents its parameters, answers and errors from the declaration exactly as before. The request is served
by `serve(request)` instead of FastAPI's generic handler: no dependency solving (a few hundred microseconds
per request), the handler reads what it needs itself, in the order FastAPI would check it. Errors are raised
as everywhere else, so the answers are the app's own problem+json. Requests to these routes reach `serve`
before FastAPI's routing, through the hot front (hot_front.py) and the app's own middleware.

`Params` validates path and query parameters with the declared types and reports failures exactly as FastAPI
does (every failing parameter at once, `loc` = ("path" | "query", name), 422 through the app's handler).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")
Serve = Callable[[Request], Coroutine[Any, Any, Response]]


def served_by(serve: Serve) -> type[APIRoute]:
    """A route class whose requests go to `serve` (the declared endpoint is never called)."""

    class HandServedRoute(APIRoute):
        hand_served = staticmethod(serve)  # the hot front (hot_front.py) serves the route with it, before routing

        def get_route_handler(self) -> Serve:
            return serve

    HandServedRoute.__name__ = HandServedRoute.__qualname__ = f"HandServedRoute[{serve.__name__}]"
    return HandServedRoute


def served_handler(route: APIRoute) -> Serve | None:
    """The handler of a hand-served route, None for any other route."""
    serve: Serve | None = getattr(type(route), "hand_served", None)
    return serve


class Params:
    """Path and query parameters of one request, validated as FastAPI validates the declared ones."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.errors: list[dict[str, Any]] = []

    def path(self, name: str, adapter: TypeAdapter[T]) -> T:
        return self._validated(adapter, self.request.path_params.get(name), ("path", name), None)

    def query(self, name: str, adapter: TypeAdapter[T], default: T) -> T:
        value = self.request.query_params.get(name)  # a repeated parameter: its last value, as FastAPI
        return default if value is None else self._validated(adapter, value, ("query", name), default)

    def check(self) -> None:
        """422 with every failure seen so far; the values returned before are only valid after this."""
        if self.errors:
            raise RequestValidationError(self.errors)

    def _validated(self, adapter: TypeAdapter[T], value: Any, loc: tuple[str, str], fallback: Any) -> T:
        if value is None:
            self.errors.append({"type": "missing", "loc": loc, "msg": "Field required", "input": None})
            return fallback  # type: ignore[no-any-return]
        try:
            return adapter.validate_python(value)
        except ValidationError as error:
            self.errors.extend({**found, "loc": loc + found["loc"]} for found in error.errors(include_url=False))
            return fallback  # type: ignore[no-any-return]
