"""`okno run`'s demo: seeded at every start without duplicates, and a signed sample order lands with an operator."""

from __future__ import annotations

import httpx
from sqlmodel import Session, col, select

from okno.demo import DEMO_NUMBER, DemoSettings, sample_order, seed_demo, signed_request
from okno.embedded import build_okno, create_embedded_app
from services.order_confirm.models import AuditEntry, Customer, Operator, QaScorecard, TelephonySettings
from tests.support import live_server, wait_until


def test_demo_is_seeded_once_and_accepts_a_signed_sample_order(database_url: str) -> None:
    okno = build_okno(database_url=database_url, redis_url="", migrate=False, sandbox=True)  # the demo is `okno run`'s
    seed_demo(okno, base_url="http://demo")
    seed_demo(okno, base_url="http://demo")  # the second start finds everything in place
    with Session(okno.order_confirm.engine) as session:
        logins = sorted(operator.login for operator in session.exec(select(Operator)))
    assert logins == ["admin", "mgr", "op1", "op2", "op3", "qa", "sup"]
    with Session(okno.order_confirm.engine) as session:
        cards = session.exec(select(QaScorecard)).all()
    assert [(card.name, card.is_default, card.current_version) for card in cards] == [
        ("Подтверждение заказа", True, 1)
    ]  # the starter scorecard, once
    with Session(okno.order_confirm.engine) as session:
        telephony = [(row.numbers, row.recording) for row in session.exec(select(TelephonySettings))]
        changes = session.exec(select(AuditEntry).where(col(AuditEntry.action) == "telephony_settings.changed")).all()
    assert telephony == [([DEMO_NUMBER], True)] and len(changes) == 1, (telephony, changes)  # set once, kept

    document = sample_order("DEMO-1", city="Хабаровск")
    body, headers = signed_request(document, DemoSettings().webhook_secret)
    with live_server(create_embedded_app(okno)) as url:
        answer = httpx.post(f"{url}/integrations/v1/webhooks/demo-shop/orders", content=body.encode(), headers=headers)
        token = httpx.post(f"{url}/api/v1/auth/token", data={"username": "op1", "password": "okno-demo"})
        assert answer.status_code == 202, answer.text
        assert token.status_code == 200

        def customer() -> Customer | None:
            with Session(okno.order_confirm.engine) as session:
                return session.exec(select(Customer)).first()

        found = wait_until(customer, message="the demo order's customer")
    assert found is not None and found.owner_id is not None
    assert found.timezone == "Asia/Vladivostok"
    for runtime in okno.runtimes:
        runtime.engine.dispose()
