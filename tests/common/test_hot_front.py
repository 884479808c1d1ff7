"""The hot front (services/common/hot_front.py): a hand-served route answers through the front exactly as
through the full stack (routing, FastAPI's layers): the same request id, the same trusted-proxy rule, the
same 413/409/500/503 problem+json, the same metrics by route template; every other route takes the stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from starlette.types import Receive, Scope, Send

from services.common.app import base_app
from services.common.hand_served import served_by
from services.common.hot_front import FrontedApp
from services.common.logs import REQUEST_ID_HEADER, current_request_id
from services.common.metrics import install_metrics
from services.common.outages import DatabaseBusy
from services.common.problems import Conflict
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.settings import OrderConfirmSettings

MAX_BODY = 64
PROXY, CLIENT = "10.9.0.1", "203.0.113.7"


async def serve_probe(request: Request) -> Response:
    body = await request.body()
    if body == b"bug":
        raise RuntimeError("a bug in the handler")
    if body == b"conflict":
        raise Conflict("The probe conflicts.")
    if body == b"busy":
        raise DatabaseBusy()
    seen = {
        "item": request.path_params["item"],
        "client": request.client.host if request.client else None,
        "request_id": current_request_id(),
        "front": "okno.hot_route" in request.scope,
        "url": str(request.url_for("probe", item="b-2")),
    }
    return Response(json.dumps(seen), status_code=202, media_type="application/json")


async def probe(item: str) -> Response:
    raise NotImplementedError  # the declaration: serve_probe serves it


async def plain(item: str) -> dict[str, str]:
    return {"item": item}


class FullStack:
    """The same app with its front bypassed: what the request gets from FastAPI's routing."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await FastAPI.__call__(self.app, scope, receive, send)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    database = tmp_path_factory.mktemp("front") / "okno.db"
    settings = OrderConfirmSettings(
        database_url=f"sqlite:///{database}", max_body_bytes=MAX_BODY, trusted_proxies=f"{PROXY}/32"
    )
    runtime = order_confirm_wiring.build(settings)
    app = base_app(runtime, title="probe")
    install_metrics(app, runtime)
    router = APIRouter(prefix="/probe")
    router.add_api_route("/{item}/post", probe, methods=["POST"], route_class_override=served_by(serve_probe))
    router.add_api_route("/{item}/plain", plain, methods=["GET"])
    app.include_router(router)
    yield app
    runtime.engine.dispose()


def both(app: FastAPI, peer: str = "testclient") -> tuple[TestClient, TestClient]:
    return TestClient(app, client=(peer, 50000)), TestClient(FullStack(app), client=(peer, 50000))


def post(client: TestClient, body: bytes, **headers: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = client.post("/probe/a-1/post", content=body, headers=headers)
    return response.status_code, response.json(), dict(response.headers)


def test_the_app_of_every_service_is_fronted(app: FastAPI) -> None:
    assert isinstance(app, FrontedApp)
    front, stack = both(app)
    assert post(front, b"")[1]["front"] is True
    assert post(stack, b"")[1]["front"] is False


def test_a_hot_route_echoes_the_callers_request_id_or_makes_one(app: FastAPI) -> None:
    seen_by = [post(client, b"")[1] for client in both(app)]
    assert seen_by[0]["url"] == seen_by[1]["url"] == "http://testserver/probe/b-2/post"
    for client in both(app):
        status, seen, headers = post(client, b"", **{REQUEST_ID_HEADER: "req-42"})
        assert (status, seen["request_id"], headers["x-request-id"]) == (202, "req-42", "req-42")
        status, seen, headers = post(client, b"")
        assert seen["request_id"] == headers["x-request-id"] and len(headers["x-request-id"]) == 32


def test_x_forwarded_for_is_believed_from_the_configured_proxy_only(app: FastAPI) -> None:
    forwarded = {"X-Forwarded-For": f"198.51.100.9, {CLIENT}"}
    for client in both(app):  # a peer that is no proxy of ours: its header is ignored
        assert post(client, b"", **forwarded)[1]["client"] == "testclient"
    for client in both(app, peer=PROXY):  # the proxy: the rightmost address it did not add itself
        assert post(client, b"", **forwarded)[1]["client"] == CLIENT


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"x" * (MAX_BODY + 1), 413, "payload_too_large"),
        (b"conflict", 409, "conflict"),
        (b"bug", 500, "internal_error"),
        (b"busy", 503, "database_busy"),
    ],
)
def test_a_refusal_or_a_failure_is_the_same_problem_through_the_front(
    app: FastAPI, body: bytes, status: int, code: str
) -> None:
    answers = []
    for client in both(app):
        got_status, problem, headers = post(client, body, **{REQUEST_ID_HEADER: "req-7"})
        assert (got_status, problem["code"], headers["x-request-id"]) == (status, code, "req-7")
        assert headers["content-type"] == "application/problem+json"
        answers.append((got_status, problem, headers.get("retry-after"), headers.get("connection")))
    assert answers[0] == answers[1]


def test_a_chunked_body_over_the_limit_is_refused_through_the_front(app: FastAPI) -> None:
    front, _ = both(app)
    chunks = iter([b"x" * 40, b"x" * 40])
    response = front.post("/probe/a-1/post", content=chunks)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_metrics_count_a_hot_request_by_its_route_template(app: FastAPI) -> None:
    front, _ = both(app)
    before = _latency_count(front)
    post(front, b"")
    assert _latency_count(front) == before + 1


def test_other_methods_and_paths_take_the_full_stack(app: FastAPI) -> None:
    front, _ = both(app)
    assert front.get("/probe/a-1/post").status_code == 405
    missing = front.post("/probe/a-1/other")
    assert missing.status_code == 404 and missing.headers["x-request-id"]


@pytest.mark.parametrize("peer", ["testclient", PROXY])
def test_metrics_label_a_routed_request_by_its_template_also_behind_the_proxy(app: FastAPI, peer: str) -> None:
    client = TestClient(app, client=(peer, 50000))
    before = _latency_count(client, "GET", "/probe/{item}/plain", "200")
    assert client.get("/probe/a-1/plain", headers={"X-Forwarded-For": CLIENT}).status_code == 200
    assert _latency_count(client, "GET", "/probe/{item}/plain", "200") == before + 1


def _latency_count(
    client: TestClient, method: str = "POST", route: str = "/probe/{item}/post", status: str = "202"
) -> float:
    text = client.get("/metrics").text
    labels = {"method": method, "route": route, "status": status}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_count") and labels.items() <= sample.labels.items():
                return sample.value
    return 0.0


def test_a_router_included_with_a_prefix_of_its_own_is_refused(tmp_path: Path) -> None:
    app = FrontedApp()
    router = APIRouter()
    router.add_api_route("/{item}/post", probe, methods=["POST"], route_class_override=served_by(serve_probe))
    app.include_router(router, prefix="/elsewhere")
    with pytest.raises(ValueError, match="prefix"):
        TestClient(app).post("/elsewhere/a-1/post")


def test_a_mounted_app_serves_its_hot_routes_through_its_front(app: FastAPI) -> None:
    parent = FastAPI()
    parent.mount("/integrations", app)  # as `okno run` mounts the services
    client = TestClient(parent)
    status, seen, _ = post_to(client, "/integrations/probe/a-1/post")
    assert (status, seen["item"], seen["front"]) == (202, "a-1", True)


def post_to(client: TestClient, path: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = client.post(path, content=b"")
    return response.status_code, response.json(), dict(response.headers)
