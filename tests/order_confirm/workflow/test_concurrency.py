"""Two people acting on the same order at the same moment: exactly one wins, the other is told why."""

from __future__ import annotations

import threading

import httpx
from sqlmodel import Session, col, select

from okno.embedded import Okno
from services.order_confirm import app as order_confirm_app
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import OutboxMessage
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers
from tests.support import FrozenClock, live_server

# Confirmed by another channel: the orders wait for a call, and nobody needs one to race.
BY_SMS = {"channel": "sms", "reason": "Replied YES to the shop's order text"}


def _race(base_url: str, path: str, everyone: list[dict[str, str]]) -> list[int]:
    """Send the same POST for each caller at the same instant; the status codes, in no particular order."""
    start = threading.Barrier(len(everyone))
    codes: list[int] = []

    def send(headers: dict[str, str]) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            start.wait()
            codes.append(http.post(path, json=BY_SMS, headers=headers).status_code)

    threads = [threading.Thread(target=send, args=(headers,)) for headers in everyone]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


def test_two_people_confirming_the_same_order_at_once_exactly_one_succeeds(
    frozen_okno: Okno, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    lead = add_operator(engine, "svetlana", Role.SUPERVISOR, [tenant], now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock(), supervisor_id=lead)
    orders = [add_order(engine, tenant, olga, now=clock()).order_id for _ in range(4)]

    owner = mint_headers(frozen_okno.order_confirm, "olga")
    supervisor = mint_headers(frozen_okno.order_confirm, "svetlana")
    with live_server(order_confirm_app.create_app(frozen_okno.order_confirm)) as base_url:
        for order_id in orders:
            codes = _race(base_url, f"/api/v1/orders/{order_id}/confirm", [owner, supervisor])
            assert codes[0] == 200
            assert codes[1] in (409, 412), codes

    with Session(engine) as session:
        confirmed = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.message_type) == "order.confirmed")
        ).all()
    assert sorted(row.envelope["payload"]["order_id"] for row in confirmed) == sorted(orders)
