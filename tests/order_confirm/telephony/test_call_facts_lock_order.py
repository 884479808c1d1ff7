"""Call facts lock in the order the workflow does (scope.get_order): customer, order, then attempt. The
consumer of `telephony_call.updated` used to lock the attempt, then the order, and its outbound_calls writes
took key-share locks on the customer (foreign keys) last; an operator confirming at that moment held the
customer and the order and waited for the rest: PostgreSQL killed one of them (the confirmation answered 503,
seen in the softphone browser test). Reproduced without timing: a transaction holds what confirm takes first,
and the consumer, blocked behind it, must hold nothing confirm takes after."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from contracts.routing import MessageType
from contracts.telephony import RecordingAvailable
from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt, CallRecording
from tests.order_confirm.telephony.facts_support import call_updated, deliver
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers
from tests.support import FrozenClock, wait_until, waiting_on_a_lock


@dataclass
class Started:
    engine: Engine
    customer_id: int
    order_id: int
    attempt_id: int
    operator_id: int


@pytest.fixture
def started(frozen_okno: Okno, api: TestClient, clock: FrozenClock) -> Started:
    engine = frozen_okno.order_confirm.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite has one writer at a time, so it cannot deadlock this way")
    shop = add_tenant(engine, "tea", now=clock())
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=clock())
    order = add_order(engine, shop, anna, now=clock(), phone="+79161234567")
    answer = api.post(f"/api/v1/orders/{order.order_id}/call", headers=mint_headers(frozen_okno.order_confirm, "anna"))
    assert answer.status_code == 200, answer.text
    return Started(engine, order.customer_id, order.order_id, answer.json()["attempt"]["id"], anna)


def test_a_call_fact_takes_customer_order_and_attempt_in_the_workflows_order(
    frozen_okno: Okno, started: Started, clock: FrozenClock
) -> None:
    t0 = clock()
    snapshot = call_updated(
        uuid.uuid4(), 1, "outbound", state="in_progress", attempt_id=started.attempt_id, order_id=started.order_id,
        customer_id=started.customer_id, operator_id=started.operator_id, customer_number="+79161234567",
        operator_line="browser", offered_at=t0 + timedelta(seconds=1), answered_at=t0 + timedelta(seconds=5),
    )  # fmt: skip
    _blocked_behind_confirm(frozen_okno, started, MessageType.TELEPHONY_CALL_UPDATED, snapshot)
    with Session(started.engine) as session:
        attempt = session.get(Attempt, started.attempt_id)
        assert attempt is not None and attempt.answered_at == t0 + timedelta(seconds=5), "the fact was applied after"


def test_a_recording_takes_customer_order_and_attempt_in_the_workflows_order(
    frozen_okno: Okno, started: Started, clock: FrozenClock
) -> None:
    t0 = clock()
    recording = RecordingAvailable(
        recording_id=uuid.uuid4(), call_id=uuid.uuid4(), direction="outbound", attempt_id=started.attempt_id,
        order_id=started.order_id, customer_id=started.customer_id, operator_id=started.operator_id,
        duration_seconds=60, started_at=t0, delete_after=t0 + timedelta(days=90), recorded_at=t0,
    )  # fmt: skip
    _blocked_behind_confirm(frozen_okno, started, MessageType.RECORDING_AVAILABLE, recording)
    with Session(started.engine) as session:
        [row] = session.exec(select(CallRecording)).all()
        assert row.attempt_id == started.attempt_id, "the recording was stored after"


def _blocked_behind_confirm(okno: Okno, started: Started, message_type: MessageType, payload: BaseModel) -> None:
    """Hold the customer as confirm's first statement does; the consumer, blocked behind it, must hold nothing
    confirm takes next (the order, the attempt)."""
    engine = started.engine
    with engine.connect() as confirming:
        confirming.begin()
        confirming.execute(text("SELECT id FROM customers WHERE id = :id FOR UPDATE"), {"id": started.customer_id})
        consumer = threading.Thread(
            target=deliver, args=(okno.order_confirm, message_type, "tea", payload), daemon=True
        )
        consumer.start()
        wait_until(lambda: waiting_on_a_lock(engine), timeout=30, message="the consumer to wait behind confirm")
        for table, row in (("orders", started.order_id), ("attempts", started.attempt_id)):
            with engine.connect() as probe:
                probe.begin()
                try:
                    probe.execute(text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE NOWAIT"), {"id": row})
                except OperationalError as error:
                    pytest.fail(f"the consumer holds {table} while it waits for the customer: {error}")
                probe.rollback()
        confirming.rollback()
    consumer.join(timeout=30)
    assert not consumer.is_alive()
