"""Many browser tabs claiming at once over real HTTP: every claim is answered, no task is leased twice.

Before the database access pattern was fixed, `POST /api/v1/queue/next` deadlocked at about a hundred
concurrent requests: each request held a pooled connection between the threadpool hops of its dependencies
while the threads waited for connections (issue 13). This drives a real uvicorn on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import psycopg
import pytest

from okno.embedded import Okno, build_okno
from services.common.db import normalize_url
from services.order_confirm import app as order_confirm_app
from tests.order_confirm.workflow.world import mint_headers
from tests.support import FrozenClock, live_server, run_coroutine

OPERATORS = 60
TABS = 2  # two browser tabs per operator race for the same queue
CLAIMS_PER_TAB = 3
TASKS_PER_OPERATOR = 20


@pytest.fixture
def pg_okno(postgres_database_url: str, redis_url: str, broker_namespace: str, clock: FrozenClock) -> Iterator[Okno]:
    instance = build_okno(
        database_url=postgres_database_url,
        redis_url=redis_url,
        broker_namespace=broker_namespace,
        clock=clock,
        migrate=False,
    )
    yield instance
    for runtime in instance.runtimes:
        runtime.engine.dispose()


def _seed(url: str, now: datetime) -> None:
    """One shop, OPERATORS operators, TASKS_PER_OPERATOR due tasks each (customer, order, task), set-based."""
    params = {"operators": OPERATORS, "tasks": OPERATORS * TASKS_PER_OPERATOR, "now": now}
    statements = [
        "INSERT INTO tenants (slug, name, timezone, country, language, policy, created_at)"
        " VALUES ('acme', 'Acme', 'Europe/Moscow', 'RU', 'ru', '{}'::jsonb, %(now)s)",
        "INSERT INTO operators (login, name, role, password_hash, status, status_changed_at, capacity, language,"
        " active, created_at)"
        " SELECT 'op' || n, 'Operator ' || n, 'operator', 'x', 'available', %(now)s, 200, 'ru', true, %(now)s"
        " FROM generate_series(1, %(operators)s) n",
        "INSERT INTO operator_tenants (operator_id, tenant_id) SELECT id, 1 FROM operators",
        "INSERT INTO customers (tenant_id, phone_key, phone_raw, bad_phone, name, timezone, owner_id,"
        " survey_opt_out, created_at, updated_at)"
        " SELECT 1, '+7900' || n, '+7900' || n, false, 'Customer ' || n, 'Europe/Moscow', 1 + n %% %(operators)s,"
        " false, %(now)s, %(now)s FROM generate_series(0, %(tasks)s - 1) n",
        "INSERT INTO orders (tenant_id, customer_id, external_id, source, source_ref, status, version, urgent,"
        " delivery_method, delivery_address, payment_method, payment_status, total_minor, currency, content_hash,"
        " shop_created_at, received_at, attempts_count, updated_at)"
        " SELECT 1, c.id, 'EXT-' || c.id, 'webhook', 'raw', 'awaiting_call', 1, c.id %% 10 = 0, 'courier',"
        " 'Street 1', 'cod', 'pending', 100000, 'RUB', md5(c.id::text), %(now)s, %(now)s, 0, %(now)s"
        " FROM customers c",
        "INSERT INTO tasks (tenant_id, order_id, customer_id, kind, status, priority, due_at, assignee_id,"
        " is_cover, created_at)"
        " SELECT 1, o.id, o.customer_id, 'confirm', 'open', CASE WHEN o.urgent THEN 10 ELSE 0 END,"
        " %(now)s - (o.id %% 600) * interval '1 second', c.owner_id, false, %(now)s"
        " FROM orders o JOIN customers c ON c.id = o.customer_id",
    ]
    with psycopg.connect(normalize_url(url).replace("+psycopg", ""), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement, params)


async def _tab(http: httpx.AsyncClient, headers: dict[str, str], outcomes: list[int | str]) -> None:
    for n in range(CLAIMS_PER_TAB):
        claim = {**headers, "Idempotency-Key": f"{id(headers)}-{n}"}
        try:
            try:
                answer = await http.post("/api/v1/queue/next", headers=claim)
            except (httpx.NetworkError, httpx.RemoteProtocolError):
                # A keep-alive connection the server closed as the request went out: a browser sends it again,
                # and the same Idempotency-Key makes that safe (a double lease would still fail below).
                answer = await http.post("/api/v1/queue/next", headers=claim)
        except httpx.HTTPError as error:
            outcomes.append(type(error).__name__)
            return  # a stuck server fails the test in one timeout, not one per claim
        outcomes.append(answer.json()["task"]["id"] if answer.status_code == 200 else f"HTTP {answer.status_code}")


async def _hammer(base_url: str, tabs: list[dict[str, str]]) -> list[int | str]:
    outcomes: list[int | str] = []
    limits = httpx.Limits(max_connections=len(tabs), max_keepalive_connections=len(tabs))
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        await asyncio.gather(*(_tab(http, headers, outcomes) for headers in tabs))
    return outcomes


def test_a_hundred_and_twenty_tabs_claiming_at_once_are_all_answered_and_no_task_is_leased_twice(
    pg_okno: Okno, clock: FrozenClock
) -> None:
    runtime = pg_okno.order_confirm
    _seed(runtime.settings.database_url, clock() - timedelta(minutes=1))
    tabs = [mint_headers(runtime, f"op{n}") for n in range(1, OPERATORS + 1) for _ in range(TABS)]

    with live_server(order_confirm_app.create_app(runtime)) as base_url:
        outcomes = run_coroutine(_hammer(base_url, tabs))

    failures = Counter(outcome for outcome in outcomes if isinstance(outcome, str))
    assert not failures, f"{sum(failures.values())} of {len(outcomes)} claims failed: {dict(failures)}"
    claimed = Counter(outcome for outcome in outcomes if isinstance(outcome, int))
    assert sum(claimed.values()) == OPERATORS * TABS * CLAIMS_PER_TAB  # nobody ran dry: every claim got a task
    assert [task for task, times in claimed.items() if times > 1] == []
