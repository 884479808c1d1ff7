"""Same-day delivery in `okno run`: the shop's own couriers and a sandbox YooKassa with a local pay page.

The sandbox speaks YooKassa's API, so integrations uses its production YooKassa adapter; paying on the
page at `/sandbox/yookassa/pay/<id>` posts the notification back to integrations like YooKassa would.
Texts go to notify's sandbox outbox (`/notify/sandbox/sms`) while no Twilio credentials are set.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI
from sqlmodel import Session, select

from okno.embedded import Okno
from okno.sandbox.yookassa import YooKassaSandbox
from services.common.db import transaction
from services.integrations.models import CourierSetup, PaymentSetup
from services.integrations.sandboxes import SANDBOX_PROVIDER
from services.integrations.service.provider_setup import configure_courier, configure_payments
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.tickets import InvalidTicket, read_ticket

MOUNT = "/sandbox/yookassa"
DEMO_COURIER: dict[str, Any] = {
    "cutoff": "18:00",
    "min_lead_minutes": 60,
    "zones": [{"city": "Москва"}, {"city": "Moscow"}],
    "windows": [
        {"code": "12-15", "start": "12:00", "end": "15:00", "capacity": 3, "price": "390.00"},
        {"code": "15-18", "start": "15:00", "end": "18:00", "capacity": 5, "price": "350.00"},
        {"code": "18-22", "start": "18:00", "end": "22:00", "capacity": 8, "price": "350.00"},
    ],
    "ineligible_sku_prefixes": ["FRZ-"],
    "currency": "RUB",
}


def sandbox_app(okno: Okno) -> FastAPI:
    """The local YooKassa. A shop authenticates with the key of its own sandbox payment setup (random per
    tenant), never a constant anyone could read in this repository."""
    engine = okno.integrations.engine

    def shop_key(shop_id: str) -> str | None:
        with Session(engine) as session:
            setup = session.exec(
                select(PaymentSetup).where(PaymentSetup.tenant == shop_id, PaymentSetup.provider == SANDBOX_PROVIDER)
            ).first()
        key = setup.settings.get("secret_key") if setup is not None else None
        return key if isinstance(key, str) else None

    def ticket_tenant(ticket: str) -> str | None:
        """The shop of a sandbox ticket notify issued to one of its signed-in users (as the SMS outbox reads it)."""
        notify = okno.notify
        try:
            return read_ticket(sandbox_credentials(notify.engine), ticket, now=notify.clock()).tenant
        except InvalidTicket:
            return None

    sandbox = YooKassaSandbox(
        shop_keys=shop_key,
        ticket_tenant=ticket_tenant,
        notification_url="{origin}/integrations/v1/payments/{shop_id}/yookassa",
    )
    return sandbox.app


def seed_same_day(okno: Okno, *, tenant: str, base_url: str) -> None:
    """Own couriers and sandbox payments for a demo tenant, unless someone configured other providers. The
    sandbox payment setup follows `base_url`, so `okno run --port N` sends customers to its own pay page."""
    now = okno.integrations.clock()
    with transaction(okno.integrations.engine) as session:
        if session.exec(select(CourierSetup.id).where(CourierSetup.tenant == tenant)).first() is None:
            configure_courier(session, tenant, "own", DEMO_COURIER, now=now)
        setup = session.exec(select(PaymentSetup).where(PaymentSetup.tenant == tenant)).first()
        if setup is not None and setup.provider != SANDBOX_PROVIDER:
            return
        key = setup.settings.get("secret_key") if setup is not None else None
        settings = {
            "base_url": f"{base_url.rstrip('/')}{MOUNT}",
            "shop_id": tenant,
            "secret_key": key if isinstance(key, str) else secrets.token_urlsafe(32),
            "return_url": f"{base_url.rstrip('/')}/console/",
        }
        configure_payments(
            session,
            tenant,
            SANDBOX_PROVIDER,
            settings,
            link_ttl_minutes=setup.link_ttl_minutes if setup is not None else 30,
            now=now,
            capabilities=okno.integrations.capabilities,
        )
