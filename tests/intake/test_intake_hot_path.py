"""The webhook's fast path (PostgreSQL: async, cached tenant, batch relay) keeps every promise of the slow one:
racing repeats are one order, a rotated secret is refused at once, and a relay that dies loses nothing."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from contracts.routing import MessageType
from okno.commands.tenants import rotate_secret
from services.common.messaging import batch_relay
from services.integrations.models import InboundOrder, InboundPayload
from services.integrations.models import OutboxMessage as IntegrationsOutbox
from services.order_confirm.models import Order
from tests.intake.conftest import Shop
from tests.intake.shop import order_body, post_order, signed_headers
from tests.support import wait_until


def _post_at_once(shop: Shop, requests: list[tuple[str, dict[str, str]]]) -> list[tuple[int, dict[str, str]]]:
    url = f"/integrations/v1/webhooks/{shop.slug}/orders"
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        answers = list(pool.map(lambda r: shop.client.post(url, content=r[0].encode(), headers=r[1]), requests))
    return [(answer.status_code, answer.json()) for answer in answers]


def _snapshot_rows(shop: Shop) -> list[IntegrationsOutbox]:
    query = select(IntegrationsOutbox).where(
        IntegrationsOutbox.message_type == MessageType.ORDER_SNAPSHOT_RECEIVED.value
    )
    with Session(shop.okno.integrations.engine) as session:
        return list(session.exec(query).all())


def _count(shop: Shop, model: type[InboundOrder] | type[InboundPayload]) -> int:
    with Session(shop.okno.integrations.engine) as session:
        return len(session.exec(select(model)).all())


def test_one_delivery_sent_eight_times_at_once_is_one_order_and_one_message(shop: Shop) -> None:
    body = json.dumps(order_body("RACE-1"), ensure_ascii=False)
    headers = signed_headers(body, secret=shop.secret, webhook_id="msg_race_1")

    answers = _post_at_once(shop, [(body, headers)] * 8)

    assert {status for status, _ in answers} == {202}
    assert Counter(answer["status"] for _, answer in answers) == {"accepted": 1, "duplicate": 7}
    assert len({answer["order_id"] for _, answer in answers}) == 1
    assert (_count(shop, InboundOrder), _count(shop, InboundPayload), len(_snapshot_rows(shop))) == (1, 1, 1)
    shop.wait_for_orders(1)


def test_one_order_version_under_eight_webhook_ids_at_once_is_accepted_once(shop: Shop) -> None:
    body = json.dumps(order_body("RACE-2"), ensure_ascii=False)
    requests = [(body, signed_headers(body, secret=shop.secret, webhook_id=f"msg_race_2_{n}")) for n in range(8)]

    answers = _post_at_once(shop, requests)

    assert Counter(answer["status"] for _, answer in answers) == {"accepted": 1, "duplicate": 7}
    assert len({answer["order_id"] for _, answer in answers}) == 1
    assert (_count(shop, InboundOrder), _count(shop, InboundPayload), len(_snapshot_rows(shop))) == (1, 1, 1)


def test_a_secret_rotated_without_grace_is_refused_at_once_though_the_tenant_was_just_read(shop: Shop) -> None:
    assert post_order(shop.client, shop.slug, order_body("ROT-1"), secret=shop.secret).status_code == 202

    new_secret = rotate_secret(shop.engines, shop.slug, grace=timedelta(0))  # a leaked secret: no grace
    with_old = post_order(shop.client, shop.slug, order_body("ROT-2"), secret=shop.secret)
    with_new = post_order(shop.client, shop.slug, order_body("ROT-3"), secret=new_secret)

    assert with_old.status_code == 401, with_old.text
    assert with_old.json()["code"] == "invalid_signature"
    assert with_new.status_code == 202, with_new.text
    assert _count(shop, InboundOrder) == 2


def test_a_batch_relay_that_fails_before_publishing_leaves_the_orders_to_the_sweep_and_each_arrives_once(
    shop: Shop,
) -> None:
    if shop.okno.integrations.engine.dialect.name == "sqlite":
        pytest.skip("SQLite keeps the sync path and its relay (tests/common/test_messaging.py)")
    outbox = shop.okno.integrations.outbox
    handed: list[int] = []

    def relay_dies(ids: list[int]) -> None:
        handed.extend(ids)
        raise RuntimeError("the process died with its batch in hand")

    outbox.before_publish = relay_dies
    bodies = [json.dumps(order_body(f"LOST-{n}", phone=f"+7 916 200-00-{n:02d}"), ensure_ascii=False) for n in range(5)]
    requests = [(body, signed_headers(body, secret=shop.secret)) for body in bodies]
    answers = _post_at_once(shop, requests)
    assert Counter(answer["status"] for _, answer in answers) == {"accepted": 5}
    wait_until(lambda: len(handed) == 5, message="the relay to take the batch")
    assert [row.published_at for row in _snapshot_rows(shop)] == [None] * 5, "a failed batch is not marked"

    outbox.before_publish = None
    outbox.sweep_grace = timedelta(0)
    assert outbox.sweep() == 5
    shop.wait_for_orders(5)
    wait_until(lambda: all(row.settled_at for row in _snapshot_rows(shop)), message="the receipts")

    again = _post_at_once(shop, requests)  # the shop retries every delivery: nothing new
    assert Counter(answer["status"] for _, answer in again) == {"duplicate": 5}
    assert outbox.sweep() == 0
    assert shop.count(Order) == 5


def test_an_idle_relay_lets_its_thread_go_and_the_next_webhook_is_published_all_the_same(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shop.okno.integrations.engine.dialect.name == "sqlite":
        pytest.skip("SQLite keeps the sync path and its relay")
    monkeypatch.setattr(batch_relay, "IDLE_SECONDS", 0.2)
    relay = shop.okno.integrations.batch_relay

    assert post_order(shop.client, shop.slug, order_body("IDLE-1")).json()["status"] == "accepted"
    wait_until(lambda: all(row.published_at for row in _snapshot_rows(shop)), message="the first publish")
    wait_until(lambda: relay._thread is None, message="the idle relay's thread to end")
    assert post_order(shop.client, shop.slug, order_body("IDLE-2")).json()["status"] == "accepted"

    wait_until(lambda: len([r for r in _snapshot_rows(shop) if r.published_at]) == 2, message="the second publish")
    shop.wait_for_orders(2)


def test_each_accepted_version_is_numbered_by_its_raw_payload_in_acceptance_order_and_published_as_stored(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    relay = shop.okno.integrations.batch_relay
    held: list[batch_relay.Held] = []
    hold = relay.hold

    def keep(h: batch_relay.Held) -> None:  # the fast path's bytes to publish
        held.append(h)
        hold(h)

    monkeypatch.setattr(relay, "hold", keep)
    created = order_body("VERS-1")
    changed = order_body("VERS-1", event="order.updated", quantity=2)

    answers = [post_order(shop.client, shop.slug, doc).json()["status"] for doc in (created, changed, changed)]

    assert answers == ["accepted", "accepted", "duplicate"]
    with Session(shop.okno.integrations.engine) as session:
        received = session.exec(select(InboundPayload.id).order_by(col(InboundPayload.received_at))).all()
        payload_ids = [n for n in received if n is not None]
        inbound = session.exec(select(InboundOrder)).one()
    stored = [row.envelope for row in sorted(_snapshot_rows(shop), key=lambda row: row.id or 0)]
    assert [envelope["payload"]["source_ref"] for envelope in stored] == [str(n) for n in payload_ids]
    assert payload_ids == sorted(payload_ids) and inbound.last_payload_id == payload_ids[-1]
    if shop.okno.integrations.engine.dialect.name == "postgresql":
        assert [json.loads(h.envelope_json) for h in held] == stored  # what Redis gets is what the sweep would send
    shop.wait_for_orders(1)
    wait_until(lambda: shop.order("VERS-1").source_ref == str(payload_ids[-1]), message="the changed version applied")
