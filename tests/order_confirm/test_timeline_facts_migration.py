"""Timeline lines written before facts (English text) become facts on migration, on SQLite and PostgreSQL,
and are then told in Russian; a line that cannot be read stays as it was written."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from services.common.db import make_engine, transaction
from services.common.migrations import upgrade
from services.common.types import JSONDocument
from services.order_confirm.domain.timeline_text import render
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt, Note, Order, TimelineEvent
from tests.conftest import PG_URL, _admin_connection
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant

BEFORE_FACTS = "2eacd7be2743"
NOW = datetime(2026, 11, 23, 9, 50, tzinfo=UTC)
LEGACY = sa.table(
    "timeline_events",
    sa.column("tenant_id", sa.Integer()),
    sa.column("customer_id", sa.Integer()),
    sa.column("order_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("summary", sa.String()),
    sa.column("details", JSONDocument),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own: the test migrates it step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'okno.db'}"
        return
    name = f"okno_facts_{uuid.uuid4().hex[:10]}"
    with _admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    with _admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _legacy_history(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    tenant = add_tenant(engine, "tea", now=NOW)
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=NOW)
    seeded = add_order(engine, tenant, olga, now=NOW)
    with transaction(engine) as session:
        attempt = Attempt(
            tenant_id=tenant,
            order_id=seeded.order_id,
            operator_id=olga,
            started_at=NOW,
            ended_at=NOW,
            disposition="no_answer",
            next_attempt_at=datetime(2026, 11, 23, 10, 5, tzinfo=UTC),
        )
        note = Note(
            tenant_id=tenant, customer_id=seeded.customer_id, author_id=olga, text="Звонить после 18:00", created_at=NOW
        )
        session.add_all([attempt, note])
        session.flush()
        ids = {"attempt": attempt.id, "note": note.id}
    order = {"tenant_id": tenant, "customer_id": seeded.customer_id, "occurred_at": NOW}
    lines = [
        ("order_received",
         "Order SHOP-1 received from the shop (phone number does not parse: flagged for a supervisor)",
         {"event": "created", "bad_phone": True}, True),
        ("attempt", "Call about order SHOP-1: no_answer, next try at 2026-11-23T10:05:00+00:00",
         {"attempt_id": ids["attempt"], "disposition": "no_answer", "status": "no_answer"}, True),
        ("note", "Звонить после 18:00", {"note_id": ids["note"]}, False),
        ("payment_link", "Payment link for 1500.00 RUB sent by SMS, slot 12:00-15:00 UTC", {"link_id": "l1"}, True),
        ("courier", "Courier cdek 10020030: delivered", {"courier_status": "4"}, True),
        ("task_covered", "Olga covers this retry", {}, True),
        ("payment", "something a hand-edit left", {}, True),
    ]  # fmt: skip
    with engine.begin() as connection:
        for kind, summary, details, about_order in lines:
            values = {**order, "kind": kind, "summary": summary, "details": details}
            connection.execute(
                sa.insert(LEGACY).values({**values, "order_id": seeded.order_id if about_order else None})
            )
    with Session(engine) as session:
        stored = session.get(Order, seeded.order_id)
        assert stored is not None
        external_id = stored.external_id
    engine.dispose()
    return {"customer_id": seeded.customer_id, "external_id": external_id}


def test_old_english_lines_become_facts_told_in_russian(fresh_url: str) -> None:
    upgrade("order_confirm", fresh_url, BEFORE_FACTS)
    shop_order = _legacy_history(fresh_url)["external_id"]  # what the lines said, e.g. SHOP-1
    upgrade("order_confirm", fresh_url)

    engine = make_engine(fresh_url)
    with Session(engine) as session:
        events = {event.kind: event for event in session.exec(select(TimelineEvent).order_by(col(TimelineEvent.id)))}
    engine.dispose()
    told = {kind: render(kind, event.params, language="ru", timezone="Europe/Moscow") for kind, event in events.items()}
    assert events["attempt"].params == {
        "external_id": shop_order,
        "disposition": "no_answer",
        "reason_code": None,
        "callback_at": None,
        "next_attempt_at": "2026-11-23T10:05:00+00:00",
    }
    assert told == {
        "order_received": f"Заказ {shop_order} получен от магазина (номер телефона не распознан: передан супервизору)",
        "attempt": f"Звонок по заказу {shop_order}: не ответил, следующая попытка 23 нояб. 2026, 13:05 (Europe/Moscow)",
        "note": "Звонить после 18:00",
        "payment_link": "Ссылка на оплату 1\u202f500,00\u00a0₽ отправлена по SMS",
        "courier": "Курьер cdek 10020030: доставлен",
        "task_covered": "Подменяет Olga: повторный звонок",
        "payment": None,  # not readable: the API shows the line as it was written
    }
    assert events["payment"].params == {} and events["payment"].summary == "something a hand-edit left"
