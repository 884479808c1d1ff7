"""Demo tenant, operators and sandbox providers for `okno run` (seeded idempotently at every start).

Never called outside `okno run`: production tenants and staff are made with `okno tenant add` and
`okno operator add`, with secrets and passwords of their own.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from okno.commands.tenants import Engines
from okno.embedded import Okno
from services.common.db import transaction
from services.integrations.domain.signatures import sign
from services.integrations.service import tenants as integration_tenants
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Customer, Operator, Order, Tenant
from services.order_confirm.qa.service.scorecards import ensure_starter_scorecard
from services.order_confirm.service import tenancy
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec
from services.order_confirm.telephony import tenant_settings

DEMO_TENANT = TenantSpec("demo-shop", "Demo Shop", "Europe/Moscow", "RU", "ru")
DEMO_NUMBER = "+74950000000"  # the demo shop's number; only the sandbox simulator ever dials it
ACTOR = "system:demo"


class DemoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OKNO_DEMO_", extra="ignore")

    webhook_secret: str = Field(
        "whsec_b2tuby1kZW1vLXNlY3JldC1rZXktMDAwMDAwMDA=", description="Webhook secret of the demo tenant"
    )
    password: str = Field("okno-demo", description="Password of every demo login")


@dataclass(frozen=True)
class DemoLogin:
    login: str
    name: str
    role: Role


DEMO_LOGINS = (
    DemoLogin("op1", "Ольга Операторова", Role.OPERATOR),
    DemoLogin("op2", "Пётр Звонарёв", Role.OPERATOR),
    DemoLogin("op3", "Anna Caller", Role.OPERATOR),
    DemoLogin("sup", "Светлана Старшая", Role.SUPERVISOR),
    DemoLogin("mgr", "Магазин Менеджер", Role.CLIENT_MANAGER),
    DemoLogin("qa", "Ксения Контролёр", Role.QA),
    DemoLogin("admin", "Admin", Role.ADMIN),
)


def seed_demo(okno: Okno, *, base_url: str) -> None:
    """Create what is missing (never overwrite), then print how to log in and how to send an order."""
    settings = DemoSettings()
    engines = Engines(okno.order_confirm.engine, okno.integrations.engine, okno.order_confirm.clock)
    now = engines.clock()
    with transaction(engines.order_confirm) as session:
        tenant = tenancy.find_tenant(session, DEMO_TENANT.slug)
        if tenant is None:
            tenant = tenancy.add_tenant(session, DEMO_TENANT, now=now, actor=ACTOR)
        _seed_staff(session, settings.password, now=now)
        ensure_starter_scorecard(session, tenant, actor=ACTOR, now=now)
        if okno.notify.settings.sandbox:
            _seed_telephony(session, tenant, now=now)
    with transaction(engines.integrations) as session:
        integration_tenants.ensure_tenant(
            session,
            slug=DEMO_TENANT.slug,
            name=DEMO_TENANT.name,
            country=DEMO_TENANT.country,
            webhook_secret=settings.webhook_secret,
            now=now,
        )
    from okno.sandbox.same_day_demo import seed_same_day

    seed_same_day(okno, tenant=DEMO_TENANT.slug, base_url=base_url)  # own couriers + sandbox payments
    _print_welcome(base_url, settings)
    _print_sandbox_pages(okno)


def _seed_telephony(session: Session, tenant: Tenant, *, now: datetime) -> None:
    """A shop number with recording (and its announcement), so a call can be tried at once. Saved as an admin
    saves settings, so the projection reaches notify by message as in production; settings the shop already
    has (an earlier start, `okno telephony set`) are kept."""
    assert tenant.id is not None
    if tenant_settings.current(session, tenant.id) is not None:
        return
    document = tenant_settings.SettingsDocument(numbers=[DEMO_NUMBER], recording=True, announcement=True)
    try:
        tenant_settings.update(session, frozenset({tenant.id}), tenant.id, document, actor=ACTOR, now=now)
    except tenant_settings.NumberTaken as error:  # another shop of this database has it: leave telephony off
        Console().print(f"[yellow]demo telephony not set[/]: {error.detail}")


def _print_sandbox_pages(okno: Okno) -> None:
    """The sandbox pages need a ticket of a signed-in user of the tenant; whoever started `okno run` gets one
    for op1 (12 h) here, the console opens them with a fresh ticket of its own user."""
    from services.notify.telephony.sandbox.credentials import sandbox_credentials
    from services.notify.telephony.sandbox.tickets import mint_ticket

    if not okno.notify.settings.sandbox:
        return
    with Session(okno.order_confirm.engine) as session:
        operator = tenancy.find_operator(session, "op1")
    if operator is None or operator.id is None:
        return
    credentials = sandbox_credentials(okno.notify.engine)
    ticket, _ = mint_ticket(credentials, DEMO_TENANT.slug, operator.id, timedelta(hours=12), now=okno.notify.clock())
    base = okno.notify.settings.public_base_url.rstrip("/")
    console = Console()
    console.print(f"  telephony simulator (12 h): {base}/simulator/#ticket={ticket}", soft_wrap=True)
    console.print(f"  the shop's number (sandbox): {DEMO_NUMBER} (okno telephony show {DEMO_TENANT.slug})")
    console.print(f"  SMS outbox (12 h): {base}/sandbox/sms/#ticket={ticket}", soft_wrap=True)


def _seed_staff(session: Session, password: str, *, now: datetime) -> None:
    created: dict[str, Operator] = {}
    for demo in DEMO_LOGINS:
        if tenancy.find_operator(session, demo.login) is None:
            spec = OperatorSpec(demo.login, demo.name, demo.role, password, (DEMO_TENANT.slug,), capacity=200)
            created[demo.login] = tenancy.add_operator(session, spec, now=now, actor=ACTOR)
    supervisor = tenancy.find_operator(session, "sup")
    for operator in created.values():
        if operator.role != Role.OPERATOR.value:
            continue
        operator.supervisor_id = supervisor.id if supervisor else None
        # On shift from the first start, so a demo order gets an owner at once.
        tenancy.set_operator_status(session, operator, OperatorStatus.AVAILABLE, now=now, actor=ACTOR)
        session.add(operator)


def sample_order(
    external_id: str | None = None,
    *,
    phone: str = "+7 916 555-01-23",
    city: str = "Москва",
    method: str = "courier",
    event: str = "order.created",
) -> dict[str, Any]:
    """A realistic order webhook body (with stock and cost fields the firewall must drop)."""
    return {
        "type": event,
        "data": {
            "external_id": external_id or f"DEMO-{uuid.uuid4().hex[:8].upper()}",
            "created_at": datetime.now(UTC).isoformat(),
            "customer": {"name": "Мария Покупатель", "phone": phone, "email": "maria@example.ru"},
            "items": [
                {
                    "sku": "KETTLE-7",
                    "name": "Чайник электрический",
                    "quantity": 1,
                    "unit_price": "3490.00",
                    "stock": 12,
                    "purchase_price": "1900.00",
                },
                {"sku": "TEA-01", "name": "Пуэр, 100 г", "quantity": 2, "unit_price": "750.00"},
            ],
            "delivery": {"method": method, "address": "ул. Тверская, 7, кв. 12", "city": city, "slot": "10:00-14:00"},
            "payment": {"method": "cash_on_delivery", "status": "pending", "amount": "4990.00", "currency": "RUB"},
            "total": "4990.00",
            "currency": "RUB",
            "comment": "Домофон не работает, позвоните",
            "warehouse": {"code": "MSK-1", "supplier": "ООО Поставщик"},
        },
    }


def signed_request(document: dict[str, Any], secret: str) -> tuple[str, dict[str, str]]:
    body = json.dumps(document, ensure_ascii=False)
    headers = sign(secret, f"msg_{uuid.uuid4().hex}", datetime.now(UTC), body)
    return body, {**headers, "content-type": "application/json"}


def _print_welcome(base_url: str, settings: DemoSettings) -> None:
    console = Console()
    console.print("[bold]Demo tenant[/] demo-shop (Europe/Moscow)")
    logins = ", ".join(demo.login for demo in DEMO_LOGINS)
    console.print(f"  logins: {logins} — password {settings.password!r} (OKNO_DEMO_PASSWORD)")
    console.print(f"  webhook: POST {base_url}/integrations/v1/webhooks/demo-shop/orders", soft_wrap=True)
    console.print(f"  webhook secret: {settings.webhook_secret} (OKNO_DEMO_WEBHOOK_SECRET)", soft_wrap=True)
    console.print(f"  send a signed sample order: okno demo send-order --url {base_url}", soft_wrap=True)


@dataclass(frozen=True)
class Owner:
    login: str
    name: str


def order_owner(engine: Engine, tenant: str, external_id: str) -> Owner | None | bool:
    """Who owns the customer of the tenant's order: an Owner, None while the customer waits in the unassigned
    pool, False while the order has not arrived (intake is asynchronous)."""
    query = (
        select(Operator.login, Operator.name)
        .select_from(Order)
        .join(Tenant, col(Tenant.id) == col(Order.tenant_id))
        .join(Customer, col(Customer.id) == col(Order.customer_id))
        .outerjoin(Operator, col(Operator.id) == col(Customer.owner_id))
        .where(col(Tenant.slug) == tenant, col(Order.external_id) == external_id)
    )
    with Session(engine) as session:
        row = session.exec(query).first()
    if row is None:
        return False
    login, name = row
    return Owner(login, name) if login is not None else None
