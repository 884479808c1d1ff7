"""The console's live stream (GET /api/v1/events): each operator hears about their own queue, and only that."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers

Event = tuple[str, dict[str, Any]]


@contextmanager
def stream(client: httpx.Client, headers: dict[str, str]) -> Iterator[queue.Queue[Event]]:
    """Read the stream in a thread; events arrive on the returned queue (`("closed", {})` at the end)."""
    events: queue.Queue[Event] = queue.Queue()
    request = client.build_request("GET", "/api/v1/events", headers=headers, timeout=30)
    response = client.send(request, stream=True)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")

    def read() -> None:
        name, data = "message", ""
        try:
            for line in response.iter_lines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data = line[5:].strip()
                elif line == "" and data:
                    events.put((name, json.loads(data)))
                    name, data = "message", ""
        except httpx.HTTPError:
            pass  # closed by the test
        events.put(("closed", {}))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield events
    finally:
        response.close()
        reader.join(timeout=5)


def next_event(events: queue.Queue[Event], *, skip: tuple[str, ...] = ("floor",)) -> Event:
    while True:
        event = events.get(timeout=10)
        if event[0] not in skip:
            return event


def test_an_order_entering_and_leaving_my_queue_reaches_my_stream_and_not_my_neighbours(
    service: Okno, client: httpx.Client
) -> None:
    engine, now = service.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    op1 = add_operator(engine, "op1", Role.OPERATOR, [tenant], now=now)
    op2 = add_operator(engine, "op2", Role.OPERATOR, [tenant], now=now)
    me, neighbour = mint_headers(service.order_confirm, "op1"), mint_headers(service.order_confirm, "op2")

    with stream(client, me) as mine, stream(client, neighbour) as theirs:
        assert next_event(mine)[0] == "ready" and next_event(theirs)[0] == "ready"
        arrived = add_order(engine, tenant, op1, now=now)
        event, data = next_event(mine)
        assert event == "queue"
        assert data["added"] == [{"task_id": arrived.task_id, "order_id": arrived.order_id}]

        neighbours_order = add_order(engine, tenant, op2, now=now)
        event, data = next_event(theirs)
        # The first thing op2 hears of is their own order: op1's never reached them.
        assert (event, data["added"]) == (
            "queue",
            [{"task_id": neighbours_order.task_id, "order_id": neighbours_order.order_id}],
        )

        confirmed = client.post(
            f"/api/v1/orders/{arrived.order_id}/confirm",
            json={"channel": "sms", "reason": "Replied YES to the order text"},  # no call: one change only
            headers=me,
        )
        assert confirmed.status_code == 200, confirmed.text
        event, data = next_event(mine)
        assert event == "queue" and data["removed"] == [{"task_id": arrived.task_id, "order_id": arrived.order_id}]


def test_the_stream_needs_a_valid_token_and_ends_with_reauth_when_the_login_ends(
    service: Okno, client: httpx.Client
) -> None:
    now = datetime.now(UTC)
    tenant = add_tenant(service.order_confirm.engine, "tea", now=now)
    add_operator(service.order_confirm.engine, "op1", Role.OPERATOR, [tenant], now=now)

    refused = client.get("/api/v1/events", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "invalid_token"

    headers = mint_headers(service.order_confirm, "op1")
    with stream(client, headers) as events:
        assert next_event(events)[0] == "ready"
        assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
        event, data = next_event(events)
        assert event == "reauth" and "log in again" in data["detail"]
        assert next_event(events)[0] == "closed"
