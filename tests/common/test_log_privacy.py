"""Logs carry ids, never personal data: a message that fails in a real `okno worker` is logged by its ids."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from contracts.envelope import Envelope
from contracts.orders import (
    CustomerSnapshot,
    DeliveryMethod,
    DeliverySnapshot,
    OrderEventType,
    OrderItemSnapshot,
    OrderSnapshot,
    PaymentSnapshot,
)
from contracts.routing import MessageType
from services.common.db import make_engine
from services.common.logs import configure_logging, mask_phone, mask_phones_in
from services.common.messaging.broker import make_broker, publish_envelope
from services.order_confirm.models import DeadLetter
from tests.common.worker_process import WorkerProcess
from tests.support import wait_until

NAME = "Zinaida Petrovna Krasilnikova"
PHONE = "+79161234567"
ADDRESS = "Tverskaya ulitsa 13, kv. 42"


def _snapshot() -> OrderSnapshot:
    return OrderSnapshot(
        external_id="PRIV-1",
        source="webhook",
        source_ref="raw-1",
        event=OrderEventType.CREATED,
        content_hash="h1",
        created_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        customer=CustomerSnapshot(name=NAME, phone=PHONE, email="zina@example.org"),
        items=[OrderItemSnapshot(sku="SKU-1", name="Kettle", quantity=1, unit_price=Decimal("10.00"))],
        delivery=DeliverySnapshot(method=DeliveryMethod.COURIER, address=ADDRESS, city="Moskva"),
        payment=PaymentSnapshot(method="card", status="pending", amount=Decimal("10.00"), currency="RUB"),
        total=Decimal("10.00"),
        currency="RUB",
    )


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The test process's own logging, restored after a test called `configure_logging` (whose handlers
    hold the test's captured stderr, closed once the test ends)."""
    import structlog

    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    dramatiq_level = logging.getLogger("dramatiq").level
    yield
    structlog.configure(**saved)
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("dramatiq").setLevel(dramatiq_level)


@pytest.fixture
def worker(
    postgres_database_url: str, redis_url: str, broker_namespace: str, tmp_path: Path
) -> Iterator[WorkerProcess]:
    env = {
        "OKNO_DATABASE_URL": postgres_database_url,
        "OKNO_REDIS_URL": redis_url,
        "OKNO_BROKER_NAMESPACE": broker_namespace,
        "OKNO_MAX_RETRIES": "0",
        "OKNO_LOG_LEVEL": "INFO",
    }
    process = WorkerProcess("order_confirm", env, tmp_path)
    process.start()
    yield process
    process.stop()


def test_a_failing_message_with_a_customer_is_logged_by_its_ids_only(
    worker: WorkerProcess, postgres_database_url: str, redis_url: str, broker_namespace: str
) -> None:
    broker = make_broker(redis_url, namespace=broker_namespace)
    # No such tenant: the handler raises. The second breaks its contract: pydantic would quote the input.
    unknown_tenant = Envelope[OrderSnapshot](
        message_type=MessageType.ORDER_SNAPSHOT_RECEIVED, tenant="no-such-shop", payload=_snapshot()
    )
    broken = json.loads(unknown_tenant.model_copy(update={"tenant": "no-such-shop-2"}).model_dump_json())
    broken["message_id"] = "00000000-0000-4000-8000-000000000002"
    broken["payload"]["customer"]["phone"] = 79161234567  # a number where the contract says string
    for body in (unknown_tenant.model_dump_json(), json.dumps(broken)):
        publish_envelope(broker, MessageType.ORDER_SNAPSHOT_RECEIVED, body)

    engine = make_engine(postgres_database_url)
    with Session(engine) as session:
        dead = wait_until(
            lambda: len(session.exec(select(DeadLetter)).all()) == 2,
            timeout=60,
            message="both messages to fail and be dead-lettered",
        )
    assert dead
    engine.dispose()
    broker.close()
    worker.stop()

    log = worker.log()
    assert "Failed to process message" in log, "dramatiq's failure line is there"
    assert str(unknown_tenant.message_id) in log and broken["message_id"] in log, "…naming the messages by id"
    for personal in (NAME, "Zinaida", PHONE, "9161234567", "1234567", ADDRESS, "Tverskaya", "zina@example.org"):
        assert personal not in log, f"{personal!r} leaked into the worker's log"
    for line in log.splitlines():
        json.loads(line)  # every line is a JSON record, the libraries' lines too (tracebacks inside)


def test_phone_numbers_are_masked_wherever_they_appear() -> None:
    assert mask_phone("+79161234567") == "+7********67"
    assert mask_phone("8 (916) 123-45-67") == "8********67"
    assert mask_phone(None) == ""
    text = "call +7 916 123-45-67 or 89161234567 about order 1234567 (SHOP-1234567890) at 2026-11-23"
    uuid = "00000000-0000-4000-8000-000000000002"
    masked = mask_phones_in(f"{text} message {uuid}")
    assert "123-45-67" not in masked and "89161234567" not in masked
    for kept in ("order 1234567", "SHOP-1234567890", "2026-11-23", uuid):
        assert kept in masked, f"{kept} is not a phone number"


@pytest.mark.usefixtures("restore_logging")
def test_library_lines_go_through_the_masking_handler(capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logging.getLogger("dramatiq.test").error("customer %s rang", "+79161234567")
    captured = capfd.readouterr().err
    assert "+7********67" in captured and "79161234567" not in captured


@pytest.mark.usefixtures("restore_logging")
def test_a_failed_statement_is_logged_without_its_values(database_url: str, capfd: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    configure_logging("INFO")
    engine = make_engine(database_url)
    insert = text("INSERT INTO order_confirm_inbox (message_id, actor_name, processed_at) VALUES (:m, :a, :t)")
    values = {"m": PHONE, "a": NAME, "t": datetime(2026, 11, 23, tzinfo=UTC)}
    with engine.begin() as connection:
        connection.execute(insert, values)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        try:
            connection.execute(insert, values)
        except IntegrityError:
            logging.getLogger("dramatiq.worker").error("Failed to process message", exc_info=True)
            raise
    engine.dispose()
    logged = capfd.readouterr().err
    assert "IntegrityError" in logged
    assert "9161234567" not in logged and NAME not in logged, logged
