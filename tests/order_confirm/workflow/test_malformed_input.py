"""Malformed input from any client never breaks the workflow API: schemathesis generates requests for every
workflow route (sent with a valid supervisor's token) and no answer may be a server error."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, login
from tests.support import FrozenClock

# This area's routes; other areas' routes under /orders (same-day, payment link) have their own tests.
WORKFLOW_PATHS = (
    r"^/api/v1/(auth/me|queue|orders/\{order_id\}(/(call|attempts|confirm|cancel))?$|customers|cover-rules|audit)"
)
EXAMPLES_PER_ROUTE = 4


def test_generated_requests_never_cause_a_server_error(frozen_okno: Okno, api: TestClient, clock: FrozenClock) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    lead = add_operator(engine, "svetlana", Role.SUPERVISOR, [tenant], now=clock())
    owner = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock(), supervisor_id=lead)
    for _ in range(3):
        add_order(engine, tenant, owner, now=clock())
    headers = login(api, "svetlana")
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app).include(path_regex=WORKFLOW_PATHS)

    # An unparsable operation is an Err without .ok(): the test then fails loudly, as it should.
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 12
    server_errors: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_ROUTE, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def probe(case: Any) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}")

        probe()
    assert server_errors == []
