"""A supervisor's floor stream wakes when a call fact changes who waits or who talks (telephony/floor.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contracts.routing import MessageType
from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from tests.order_confirm.console.live import next_event, quiet, replica_with_streams
from tests.order_confirm.telephony.facts_support import call_updated, deliver
from tests.order_confirm.workflow.world import add_operator, add_tenant, mint_headers

# Subprocesses, restarts or long waits: scheduled first (tests/conftest.py).
pytestmark = pytest.mark.slow

REPLICA = {"events_safety_poll_seconds": "600", "events_floor_seconds": "0.2"}


def test_a_caller_queueing_and_an_operator_answering_wake_the_floor(
    service: Okno, database_url: str, redis_url: str, broker_namespace: str
) -> None:
    engine, now = service.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    sup = add_operator(engine, "sup", Role.SUPERVISOR, [tenant], now=now)
    anna = add_operator(engine, "anna", Role.OPERATOR, [tenant], now=now, supervisor_id=sup)
    call_id = uuid.uuid4()
    with replica_with_streams(database_url, redis_url, broker_namespace, **REPLICA) as (_replica, streams):
        floor = streams.open(mint_headers(service.order_confirm, "sup"))
        assert next_event(floor)[0] == "ready"
        queued = call_updated(call_id, 1, "inbound", state="queued", offered_at=now - timedelta(seconds=3))
        deliver(service.order_confirm, MessageType.TELEPHONY_CALL_UPDATED, "tea", queued)
        assert next_event(floor)[0] == "floor", "a caller waits"
        answered = call_updated(
            call_id, 3, "inbound", state="in_progress", operator_id=anna, offered_at=now - timedelta(seconds=3),
            answered_at=now, wait_seconds=3,
        )  # fmt: skip
        deliver(service.order_confirm, MessageType.TELEPHONY_CALL_UPDATED, "tea", answered)
        assert next_event(floor)[0] == "floor", "Anna talks"
        deliver(service.order_confirm, MessageType.TELEPHONY_CALL_UPDATED, "tea", answered)  # not newer: no change
        assert quiet(floor, 0.5) == []
