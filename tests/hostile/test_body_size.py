"""Every endpoint of every service refuses an oversized body with 413 problem+json, before reading it whole.

Reproduced first: the Stripe webhook read a 20 MiB body whole (`await request.body()`), so a declared
20 MiB that never arrives held the request open and an endless chunked upload was buffered without end.
"""

from __future__ import annotations

import httpx
import pytest

from services.common.settings import ServiceSettings
from tests.hostile.conftest import Stack
from tests.hostile.raw_http import RawRequest

LIMIT = ServiceSettings().max_body_bytes
TWENTY_MIB = 20 * 1024 * 1024

# One public POST of each service, each reading its body a different way (raw bytes, form, JSON model).
ENDPOINTS = [
    ("integrations", "/v1/payments/acme/stripe", "application/json"),
    ("integrations", "/v1/payments/acme/yookassa", "application/json"),
    ("integrations", "/v1/webhooks/acme/orders", "application/json"),
    ("order_confirm", "/api/v1/auth/token", "application/x-www-form-urlencoded"),
    ("order_confirm", "/api/v1/auth/refresh", "application/json"),
    ("notify", "/twilio/sms-status", "application/x-www-form-urlencoded"),
]


def assert_too_large(status: int, headers: dict[str, str], body: dict[str, object]) -> None:
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert body["code"] == "payload_too_large"
    assert body["max_bytes"] == LIMIT


@pytest.mark.parametrize(("service", "path", "content_type"), ENDPOINTS)
def test_a_declared_twenty_mebibytes_is_refused_before_a_byte_of_it_arrives(
    stack: Stack, service: str, path: str, content_type: str
) -> None:
    request = RawRequest(
        stack.urls[service], "POST", path, {"Content-Type": content_type, "Content-Length": str(TWENTY_MIB)}
    )
    try:
        # Nothing of the body was sent: a server waiting for it never answers, and the socket's timeout fails
        # the test. (How fast the refusal comes is not asserted: a loaded CI machine may take seconds.)
        answer = request.response()
    finally:
        request.close()
    assert_too_large(answer.status, answer.headers, answer.json())
    assert answer.headers["x-request-id"]


@pytest.mark.parametrize(("service", "path", "content_type"), ENDPOINTS)
def test_an_endless_chunked_upload_is_cut_off_just_past_the_limit(
    stack: Stack, service: str, path: str, content_type: str
) -> None:
    request = RawRequest(
        stack.urls[service], "POST", path, {"Content-Type": content_type, "Transfer-Encoding": "chunked"}
    )
    try:
        sent = 0
        while sent <= LIMIT and request.send_chunk(b"[" * 65536):
            sent += 65536
        # The upload is never finished: only a server that counts chunks as they come can answer now.
        answer = request.response()
    finally:
        request.close()
    assert_too_large(answer.status, answer.headers, answer.json())


def test_the_limit_is_a_setting_and_a_body_just_under_it_is_read(stack: Stack) -> None:
    with stack.client("order_confirm") as client:
        under = client.post(
            "/api/v1/auth/refresh", content=b" " * (LIMIT - 10), headers={"Content-Type": "application/json"}
        )
        over = client.post(
            "/api/v1/auth/refresh", content=b" " * (LIMIT + 1), headers={"Content-Type": "application/json"}
        )
    assert under.status_code != 413
    assert_too_large(over.status_code, dict(over.headers), over.json())


def test_a_smaller_configured_limit_applies_to_every_route(monkeypatch: pytest.MonkeyPatch, stack: Stack) -> None:
    from services.common.app import base_app
    from tests.support import live_server

    runtime = stack.okno.notify
    runtime.settings = runtime.settings.model_copy(update={"max_body_bytes": 1000})
    with live_server(base_app(runtime, title="probe")) as url:
        refused = httpx.post(f"{url}/admin/dead-letters/1/replay", content=b"x" * 1001)
        passed = httpx.post(f"{url}/admin/dead-letters/1/replay", content=b"x" * 1000)
    assert refused.status_code == 413 and refused.json()["max_bytes"] == 1000
    assert passed.status_code != 413
