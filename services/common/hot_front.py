"""The hot front: hand-served routes reached without FastAPI's routing (issue 13: the hottest requests).

A request to a hand-served route (hand_served.py: the order webhook, the survey's TwiML steps) went through
FastAPI's per-request OpenTelemetry check, Starlette's outer layers, the router (every route before it
matched in turn, the health and admin routes first) and FastAPI's per-route wrappers before reaching its
handler: about a tenth of a webhook's CPU. `FrontedApp` matches those few (method, path) pairs first and
serves them through a stack of its own: **the app's own user middleware, the same classes with the same
arguments** (forwarded client, request id, error guard, body limit, metrics), then Starlette's
`ExceptionMiddleware` with the app's exception handlers, then the handler. What a caller or an operator sees
is what the full stack gives the same request: the request id header, the 413/503/500 problem+json
bodies, the metrics by route template, the log lines. Every other request takes the full stack.

The front steps aside (everything takes the full stack) when FastAPI's native OpenTelemetry is on or the
app has FastAPI's own body limit, the two things of the full stack it does not reproduce. Routes are found
in the app's routers; a router included with a prefix of its own is refused when the front is built
(Okno includes none), as the front would otherwise match a path the router does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette._utils import get_route_path  # the router's own: a mounted app's path without its mount
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common.hand_served import served_handler


class HotRoute:
    """One hand-served route as the front matches it: the declared route (for `scope["route"]`, which the
    metrics label by) and its handler."""

    def __init__(self, route: APIRoute) -> None:
        serve = served_handler(route)
        assert serve is not None
        self.route = route
        self.serve = serve
        self.regex = route.path_regex
        self.convertors = route.param_convertors

    def match(self, path: str) -> dict[str, Any] | None:
        found = self.regex.match(path)
        if found is None:
            return None
        convertors = self.convertors
        return {name: convertors[name].convert(value) for name, value in found.groupdict().items()}


class HotFront:
    """The hand-served routes of one app by method, and the stack that serves them."""

    def __init__(self, app: FastAPI) -> None:
        self.routes: dict[str, list[HotRoute]] = {}
        for route in hand_served_routes(app.router.routes):
            for method in route.methods or ():
                self.routes.setdefault(method, []).append(HotRoute(route))
        self.stack = _stack(app, self._endpoint)

    def route_for(self, scope: Scope) -> tuple[HotRoute, dict[str, Any]] | None:
        candidates = self.routes.get(scope["method"])
        if not candidates:
            return None
        path = get_route_path(scope)
        for hot in candidates:
            params = hot.match(path)
            if params is not None:
                return hot, params
        return None

    async def _endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot: HotRoute = scope["okno.hot_route"]
        response = await hot.serve(Request(scope, receive, send))
        await response(scope, receive, send)


def _stack(app: FastAPI, endpoint: ASGIApp) -> ASGIApp:
    """The app's user middleware around Starlette's exception handling around `endpoint`, built as
    FastAPI builds its own stack (a 500/Exception handler belongs to the outermost layer, not rebuilt here:
    the error guard answers every exception first)."""
    handlers = {key: value for key, value in app.exception_handlers.items() if key not in (500, Exception)}
    stack: ASGIApp = ExceptionMiddleware(endpoint, handlers=handlers, debug=app.debug)
    for cls, args, kwargs in reversed(app.user_middleware):
        stack = cls(stack, *args, **kwargs)
    return stack


def hand_served_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every hand-served route, in routing order, through included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            if served_handler(route) is not None:
                yield route
            continue
        included = getattr(route, "original_router", None)  # FastAPI's record of an include_router
        if included is None:
            continue
        prefix = getattr(getattr(route, "include_context", None), "prefix", "")
        if prefix:
            raise ValueError(f"the hot front matches declared paths; a router included with prefix {prefix!r}")
        yield from hand_served_routes(included.routes)


class FrontedApp(FastAPI):
    """A FastAPI app whose hand-served routes are served by the hot front."""

    _front: HotFront | None = None
    _front_checked = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            front = self._front if self._front_checked else self._build_front()
            if front is not None:
                if self.root_path:
                    scope["root_path"] = self.root_path
                found = front.route_for(scope)
                if found is not None:
                    hot, params = found
                    scope["app"] = self
                    scope.setdefault("router", self.router)  # as the router sets it (`request.url_for`)
                    scope["route"], scope["endpoint"] = hot.route, hot.route.endpoint
                    scope["path_params"] = {**scope.get("path_params", {}), **params}
                    scope["okno.hot_route"] = hot
                    await front.stack(scope, receive, send)
                    return
        await super().__call__(scope, receive, send)

    def _build_front(self) -> HotFront | None:
        """On the first request, as Starlette builds its stack: the middleware is all added by then."""
        telemetry = getattr(self, "_native_telemetry", None)
        telemetry_on = telemetry is not None and telemetry.enabled()
        self._front = None if telemetry_on or self.max_body_size is not None else HotFront(self)
        self._front_checked = True
        return self._front
