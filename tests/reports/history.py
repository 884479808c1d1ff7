"""A known history for report tests: two shops, their staff, and orders with every kind of outcome.

Times are Moscow local (UTC+3, no daylight saving), written as "2026-11-23 10:05" so a reader can check
every expected figure by hand. Each order lists its calls: (operator, start, talk s, wrap-up s, disposition).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from services.common.db import transaction
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt, Customer, Operator, OperatorTenant, Order, Tenant
from services.order_confirm.security.passwords import hash_password

MOSCOW = ZoneInfo("Europe/Moscow")
PASSWORD = "report-reader-password"
_PASSWORD_HASH = hash_password(PASSWORD)
NOW = datetime(2026, 11, 24, 12, 10, tzinfo=MOSCOW).astimezone(UTC)


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=MOSCOW).astimezone(UTC)


@dataclass(frozen=True)
class Call:
    operator: str
    start: str
    talk: int
    wrap_up: int | None
    disposition: str
    survey: str | None = None
    csat: int | None = None
    nps: int | None = None


@dataclass(frozen=True)
class Story:
    ref: str
    tenant: str
    arrived: str
    status: str
    calls: tuple[Call, ...] = ()
    close_reason: str | None = None
    closed: str | None = None


STORIES = (
    # Monday 23 November
    Story("O1", "shop", "2026-11-23 10:00", "confirmed",
          (Call("anna", "2026-11-23 10:05", 120, 30, "confirmed", "completed", 5, 10),)),
    Story("O2", "shop", "2026-11-23 10:10", "confirmed_with_changes",
          (Call("anna", "2026-11-23 10:40", 20, 10, "no_answer"),
           Call("boris", "2026-11-23 11:00", 300, 60, "changed", "completed", 4, 8))),
    Story("O3", "shop", "2026-11-23 11:00", "cancelled",
          (Call("boris", "2026-11-23 11:10", 60, 20, "cancelled", "partial", 2, None),),
          close_reason="found_cheaper"),
    Story("O4", "shop", "2026-11-23 14:00", "unreachable",
          (Call("anna", "2026-11-23 14:20", 15, 5, "no_answer"), Call("anna", "2026-11-23 15:00", 15, 5, "no_answer"))),
    Story("O5", "shop", "2026-11-23 15:00", "cancelled_by_shop", closed="2026-11-23 15:10"),
    Story("O6", "shop", "2026-11-23 16:00", "cancelled_by_shop", closed="2026-11-23 16:30"),
    # Tuesday 24 November (now is 12:10)
    Story("O7", "shop", "2026-11-24 09:30", "confirmed",
          (Call("boris", "2026-11-24 09:31", 90, 30, "confirmed", "completed", 3, 6),)),
    Story("O8", "shop", "2026-11-24 12:00", "awaiting_call"),
    Story("O9", "shop", "2026-11-24 09:45", "cancelled",
          (Call("anna", "2026-11-24 10:25", 200, 40, "cancelled", "no_answer"),), close_reason="other"),
    # Another shop, which nobody at "shop" may see.
    Story("R1", "rival", "2026-11-23 10:00", "confirmed",
          (Call("oleg", "2026-11-23 10:01", 50, 10, "confirmed", "completed", 1, 0),)),
)  # fmt: skip

STAFF = (
    # login, role, tenants, supervisor
    ("sveta", Role.SUPERVISOR, ("shop",), None),
    ("anna", Role.OPERATOR, ("shop",), "sveta"),
    ("boris", Role.OPERATOR, ("shop",), "sveta"),
    ("masha", Role.CLIENT_MANAGER, ("shop",), None),
    ("oleg", Role.OPERATOR, ("rival",), None),
    ("rita", Role.CLIENT_MANAGER, ("rival",), None),
    ("root", Role.ADMIN, ("shop", "rival"), None),
)


@dataclass
class History:
    tenants: dict[str, int] = field(default_factory=dict)
    operators: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)


def build_history(engine: Engine) -> History:
    history = History()
    with transaction(engine) as session:
        for slug in ("shop", "rival"):
            tenant = Tenant(slug=slug, name=slug.title(), timezone="Europe/Moscow", created_at=NOW)
            session.add(tenant)
            session.flush()
            assert tenant.id is not None
            history.tenants[slug] = tenant.id
        for login, role, tenants, supervisor in STAFF:
            operator = Operator(
                login=login,
                name=login.title(),
                role=role.value,
                password_hash=_PASSWORD_HASH,
                status_changed_at=NOW,
                supervisor_id=history.operators.get(supervisor or ""),
                created_at=NOW,
            )
            session.add(operator)
            session.flush()
            assert operator.id is not None
            history.operators[login] = operator.id
            for slug in tenants:
                session.add(OperatorTenant(operator_id=operator.id, tenant_id=history.tenants[slug]))
        for n, story in enumerate(STORIES):
            history.orders[story.ref] = _add_story(session, history, story, n)
    return history


def _add_story(session: object, history: History, story: Story, n: int) -> int:
    from sqlmodel import Session

    assert isinstance(session, Session)
    tenant_id, arrived = history.tenants[story.tenant], at(story.arrived)
    owner = history.operators[story.calls[-1].operator] if story.calls else None
    customer = Customer(
        tenant_id=tenant_id,
        phone_key=f"+7999000{n:04d}",
        phone_e164=f"+7999000{n:04d}",
        phone_raw=f"+7999000{n:04d}",
        name=f"Customer of {story.ref}",
        timezone="Europe/Moscow",
        owner_id=owner,
        created_at=arrived,
        updated_at=arrived,
    )
    session.add(customer)
    session.flush()
    assert customer.id is not None
    last_call_end = at(story.calls[-1].start) + timedelta(seconds=story.calls[-1].talk) if story.calls else None
    order = Order(
        tenant_id=tenant_id,
        customer_id=customer.id,
        external_id=story.ref,
        source="webhook",
        source_ref=f"raw-{story.ref}",
        status=story.status,
        delivery_method="courier",
        delivery_address="Tverskaya 1, Moscow",
        payment_method="cod",
        payment_status="pending",
        total_minor=100_00 * (n + 1),
        currency="RUB",
        content_hash=f"hash-{story.ref}",
        shop_created_at=arrived,
        received_at=arrived,
        first_attempt_at=at(story.calls[0].start) if story.calls else None,
        attempts_count=len(story.calls),
        closed_at=at(story.closed) if story.closed else (last_call_end if story.status != "awaiting_call" else None),
        close_reason=story.close_reason,
        updated_at=arrived,
    )
    session.add(order)
    session.flush()
    assert order.id is not None
    for call in story.calls:
        started = at(call.start)
        ended = started + timedelta(seconds=call.talk)
        session.add(
            Attempt(
                tenant_id=tenant_id,
                order_id=order.id,
                operator_id=history.operators[call.operator],
                started_at=started,
                ended_at=ended,
                wrap_up_ended_at=ended + timedelta(seconds=call.wrap_up) if call.wrap_up is not None else None,
                disposition=call.disposition,
                survey_status=call.survey,
                csat=call.csat,
                nps=call.nps,
            )
        )
    return order.id


def login(client: TestClient, name: str) -> dict[str, str]:
    """Bearer headers for `name`, logging in once per client (password hashing is slow on purpose)."""
    tokens: dict[str, str] = client.__dict__.setdefault("okno_tokens", {})
    if name not in tokens:
        response = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
        assert response.status_code == 200, response.text
        tokens[name] = response.json()["access_token"]
    return {"Authorization": f"Bearer {tokens[name]}"}
