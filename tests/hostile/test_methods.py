"""A method the resource does not have: 405 problem+json naming the methods it does have (RFC 9110 15.5.6)."""

from __future__ import annotations

import pytest

from tests.hostile.conftest import Stack


@pytest.mark.parametrize(
    ("service", "method", "path", "allowed"),
    [
        ("order_confirm", "DELETE", "/api/v1/auth/token", {"POST"}),
        ("order_confirm", "POST", "/healthz", {"GET"}),
        ("integrations", "POST", "/v1/tenants/acme/erp", {"GET", "PUT"}),
        ("integrations", "GET", "/v1/webhooks/acme/orders", {"POST"}),
        ("notify", "PATCH", "/survey-rules/acme", {"GET", "PUT"}),
    ],
)
def test_a_wrong_method_is_405_problem_json_with_an_allow_header(
    stack: Stack, service: str, method: str, path: str, allowed: set[str]
) -> None:
    with stack.client(service) as client:
        answer = client.request(method, path)
    assert answer.status_code == 405
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "method_not_allowed"
    assert {name.strip() for name in answer.headers["allow"].split(",")} == allowed
