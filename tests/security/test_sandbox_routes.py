"""Payment and 1C sandboxes exist only where they were asked for; in production settings they are refused.

Before: `okno serve`-style settings still accepted a `sandbox` payment setup and made links nobody could pay
for real, the embedded app mounted the local YooKassa whatever the settings said, and that YooKassa took a
key written in this repository from anyone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import jwt
import pytest
from sqlmodel import Session, select

from okno.embedded import Okno, build_okno, create_embedded_app
from okno.sandbox.onec_demo import start_demo_onec
from okno.sandbox.same_day_demo import seed_same_day
from services.common.capabilities import CapabilityNotConfigured
from services.common.db import transaction
from services.integrations.models import PaymentLink, PaymentSetup
from services.integrations.service.provider_setup import configure_payments
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.tickets import mint_ticket
from tests.same_day.conftest import same_day_order
from tests.support import live_server

TENANT = "acme"
SANDBOX_SETTINGS = {"base_url": "http://127.0.0.1:9/sandbox/yookassa", "shop_id": TENANT, "secret_key": "k" * 32}
OLD_PUBLIC_KEY = "okno-sandbox-yookassa-secret"  # what every `okno run` used to accept


@pytest.fixture
def production(database_url: str) -> Iterator[tuple[Okno, str]]:
    """All three services with the sandbox setting off, as `okno serve` runs them."""
    okno = build_okno(database_url=database_url, redis_url="", migrate=False, sandbox=False)
    with live_server(create_embedded_app(okno)) as url:
        yield okno, url
    for runtime in okno.runtimes:
        runtime.engine.dispose()


def test_production_reports_the_sandboxes_not_configured_and_refuses_a_sandbox_payment_setup(
    production: tuple[Okno, str],
) -> None:
    okno, url = production
    ready = httpx.get(f"{url}/integrations/readyz").json()
    assert ready["capabilities"]["payments_sandbox"]["state"] == "not_configured"
    assert ready["capabilities"]["erp_sandbox"]["state"] == "not_configured"

    with pytest.raises(CapabilityNotConfigured), transaction(okno.integrations.engine) as session:
        configure_payments(
            session,
            TENANT,
            "sandbox",
            SANDBOX_SETTINGS,
            link_ttl_minutes=30,
            now=okno.integrations.clock(),
            capabilities=okno.integrations.capabilities,
        )
    with Session(okno.integrations.engine) as session:
        assert session.exec(select(PaymentSetup)).all() == []
    with pytest.raises(CapabilityNotConfigured):
        start_demo_onec(okno, TENANT)


def test_a_sandbox_payment_setup_left_in_a_production_database_answers_503_and_writes_nothing(
    production: tuple[Okno, str],
) -> None:
    okno, url = production
    with transaction(okno.integrations.engine) as session:  # e.g. a database copied from a demo
        session.add(
            PaymentSetup(
                tenant=TENANT, provider="sandbox", settings=SANDBOX_SETTINGS, updated_at=okno.integrations.clock()
            )
        )
    service = {"Authorization": f"Bearer {okno.integrations.settings.service_token}"}
    link = httpx.post(
        f"{url}/integrations/internal/v1/tenants/{TENANT}/payment-links",
        json={"order": same_day_order()},
        headers=service,
    )
    assert link.status_code == 503, link.text
    assert link.headers["content-type"] == "application/problem+json"
    assert (link.json()["code"], link.json()["capability"]) == ("capability_not_configured", "payments_sandbox")
    notification = {"type": "notification", "event": "payment.succeeded", "object": {"id": "2f0a-1"}}
    hook = httpx.post(f"{url}/integrations/v1/payments/{TENANT}/yookassa", json=notification)
    assert hook.status_code == 503, hook.text
    with Session(okno.integrations.engine) as session:
        assert session.exec(select(PaymentLink)).all() == []


def test_production_serves_no_sandbox_payment_pages(production: tuple[Okno, str]) -> None:
    _, url = production
    auth = (TENANT, OLD_PUBLIC_KEY)
    created = httpx.post(
        f"{url}/sandbox/yookassa/v3/payments",
        auth=auth,
        json={"amount": {"value": "1.00", "currency": "RUB"}, "confirmation": {"type": "redirect"}},
        headers={"Idempotence-Key": uuid.uuid4().hex},
    )
    assert created.status_code in (404, 405)
    assert httpx.get(f"{url}/sandbox/yookassa/pay/2f0a-1").status_code == 404


@pytest.fixture
def sandbox(database_url: str) -> Iterator[tuple[Okno, str]]:
    okno = build_okno(database_url=database_url, redis_url="", migrate=False, sandbox=True)
    with live_server(create_embedded_app(okno)) as url:
        yield okno, url
    for runtime in okno.runtimes:
        runtime.engine.dispose()


def test_the_sandbox_yookassa_takes_only_each_shops_own_random_key(sandbox: tuple[Okno, str]) -> None:
    okno, url = sandbox
    seed_same_day(okno, tenant=TENANT, base_url=url)
    seed_same_day(okno, tenant="other", base_url=url)
    with Session(okno.integrations.engine) as session:
        keys = {row.tenant: row.settings["secret_key"] for row in session.exec(select(PaymentSetup))}
    assert keys[TENANT] != keys["other"] and OLD_PUBLIC_KEY not in keys.values()

    def create(shop: str, key: str) -> httpx.Response:
        return httpx.post(
            f"{url}/sandbox/yookassa/v3/payments",
            auth=(shop, key),
            json={"amount": {"value": "1.00", "currency": "RUB"}, "confirmation": {"type": "redirect"}},
            headers={"Idempotence-Key": uuid.uuid4().hex},
        )

    assert create(TENANT, OLD_PUBLIC_KEY).status_code == 401
    assert create(TENANT, keys["other"]).status_code == 401
    assert create("nobody", keys[TENANT]).status_code == 401
    created = create(TENANT, keys[TENANT])
    assert created.status_code == 200, created.text
    payment_id = created.json()["id"]
    # The other shop, with its own valid key, cannot read this shop's payment.
    foreign = httpx.get(f"{url}/sandbox/yookassa/v3/payments/{payment_id}", auth=("other", keys["other"]))
    assert foreign.status_code == 404
    own = httpx.get(f"{url}/sandbox/yookassa/v3/payments/{payment_id}", auth=(TENANT, keys[TENANT]))
    assert own.status_code == 200


def test_the_sandbox_checkout_needs_a_ticket_of_the_payments_own_shop(sandbox: tuple[Okno, str]) -> None:
    okno, url = sandbox
    seed_same_day(okno, tenant=TENANT, base_url=url)
    with Session(okno.integrations.engine) as session:
        key = session.exec(select(PaymentSetup).where(PaymentSetup.tenant == TENANT)).one().settings["secret_key"]
    created = httpx.post(
        f"{url}/sandbox/yookassa/v3/payments",
        auth=(TENANT, key),
        json={"amount": {"value": "7.00", "currency": "RUB"}, "capture": True, "confirmation": {"type": "redirect"}},
        headers={"Idempotence-Key": uuid.uuid4().hex},
    ).json()
    page = created["confirmation"]["confirmation_url"]
    notify = okno.notify
    credentials = sandbox_credentials(notify.engine)
    own, _ = mint_ticket(credentials, TENANT, 1, timedelta(hours=1), now=notify.clock())
    foreign, _ = mint_ticket(credentials, "other", 2, timedelta(hours=1), now=notify.clock())
    forged = jwt.encode({"typ": "okno-sandbox-ticket", "tenant": TENANT, "sub": "1", "exp": 4102444800}, "guess")

    assert "7.00" not in httpx.get(page).text  # the page holds no payment data
    for headers, status in (({}, 401), (_bearer(forged), 401), (_bearer(foreign), 404)):
        assert httpx.get(f"{page}/details", headers=headers).status_code == status
        assert httpx.post(page, json={"action": "pay"}, headers=headers).status_code == status
    assert okno_payment_status(okno, url, key, created["id"]) == "pending"  # nobody without a ticket paid it

    assert httpx.get(f"{page}/details", headers=_bearer(own)).json()["amount"]["value"] == "7.00"
    assert httpx.post(page, json={"action": "pay"}, headers=_bearer(own)).json() == {"status": "succeeded"}


def _bearer(ticket: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ticket}"}


def okno_payment_status(okno: Okno, url: str, key: str, payment_id: str) -> str:
    answer = httpx.get(f"{url}/sandbox/yookassa/v3/payments/{payment_id}", auth=(TENANT, key))
    return str(answer.json()["status"])
