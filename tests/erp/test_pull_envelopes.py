"""A pull writes each page's envelopes as its payloads' JSON inside one shared frame, without an `Envelope` per
message: what it stores and publishes must still be, byte for byte, what the `Envelope` model writes, or a
consumer (and the content of every receipt and replay) would see another message."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import structlog
from sqlmodel import Session, col, select

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
from services.common.db import transaction
from services.integrations.models import OutboxMessage
from services.integrations.runtime import IntegrationsRuntime
from tests.erp.conftest import TENANT


def snapshot(external_id: str, comment: str | None) -> OrderSnapshot:
    return OrderSnapshot(
        external_id=external_id,
        source="erp",
        source_ref=f"erp:{uuid.uuid4()}",
        event=OrderEventType.CREATED,
        content_hash="0" * 64,
        created_at=datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
        customer=CustomerSnapshot(name='Анна "Смирнова"', phone="+7 923 945-99-92", email=None),
        items=[OrderItemSnapshot(sku="SKU-1", name="Товар\t1", quantity=2, unit_price=Decimal("1490.00"))],
        delivery=DeliverySnapshot(
            method=DeliveryMethod.COURIER, address="ул. Пушкина\\16", requested_date=date(2026, 11, 25)
        ),
        payment=PaymentSnapshot(method="Наличная", status="not_paid", amount=Decimal("2980.00"), currency="RUB"),
        total=Decimal("2980.00"),
        currency="RUB",
        comment=comment,
    )


@pytest.mark.parametrize("request_id", [None, 'req-"7"\\\u2028'])
def test_written_envelopes_are_what_the_envelope_model_writes(
    integrations: IntegrationsRuntime, request_id: str | None
) -> None:
    payloads = [snapshot("ТД-1", None), snapshot("ТД-2", "домофон\n12 🚪"), snapshot("ТД-3", "")]
    with structlog.contextvars.bound_contextvars(request_id=request_id), transaction(integrations.engine) as session:
        held = integrations.outbox.write_many_json(
            session, MessageType.ORDER_SNAPSHOT_RECEIVED, TENANT, [p.model_dump_json() for p in payloads]
        )

    assert len({body for _, _, body in held}) == 3
    with Session(integrations.engine) as session:
        stored = {row.id: row for row in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))}
    for (row_id, message_type, body), payload in zip(held, payloads, strict=True):
        written: dict[str, Any] = json.loads(body)
        expected = Envelope[Any](
            message_id=uuid.UUID(written["message_id"]),
            message_type=MessageType.ORDER_SNAPSHOT_RECEIVED,
            tenant=TENANT,
            occurred_at=integrations.clock(),
            request_id=request_id,
            source=integrations.outbox.source,
            payload=payload,
        )
        assert body == expected.model_dump_json()
        assert message_type == MessageType.ORDER_SNAPSHOT_RECEIVED
        row = stored[row_id]
        assert (row.message_id, row.envelope) == (written["message_id"], written)
