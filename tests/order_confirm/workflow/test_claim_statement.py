"""The claim's one statement on PostgreSQL is planned once per connection, not once per claim.

PostgreSQL re-plans a prepared statement for every execution (a "custom plan") unless the plan it would cache
for any parameters (the "generic plan") is about as cheap. A constant sent as a parameter (`status = $5`,
`LIMIT $7`) hides the partial index `ix_tasks_claim` (WHERE status = 'open') and the one-row limit from the
generic plan, which then looked dearer, so every claim was planned afresh: more than half of PostgreSQL's CPU
per claim (issue 13). Only the request's own values are parameters now.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from services.common.clock import utc_now
from services.order_confirm.service.queue_claim import postgresql_statement
from tests.conftest import _truncate_postgres
from tests.support import run_coroutine

# A hundred operators' queues of open tasks (the planner's choice depends on what the tables hold).
SEED = """
INSERT INTO tenants (slug, name, timezone, country, language, policy, created_at)
  VALUES ('acme', 'Acme', 'Europe/Moscow', 'RU', 'ru', '{}'::jsonb, now());
INSERT INTO operators (login, name, role, password_hash, status, status_changed_at, capacity, language,
                       active, created_at)
  SELECT 'op' || n, 'Operator ' || n, 'operator', 'x', 'available', now(), 200, 'ru', true, now()
  FROM generate_series(1, 100) n;
INSERT INTO customers (tenant_id, phone_key, phone_raw, bad_phone, name, timezone, owner_id, survey_opt_out,
                       created_at, updated_at)
  SELECT 1, '+7900' || n, '+7900' || n, false, 'Customer ' || n, 'Europe/Moscow', 1 + n % 100, false, now(), now()
  FROM generate_series(1, 20000) n;
INSERT INTO tasks (tenant_id, customer_id, kind, status, priority, due_at, assignee_id, is_cover, created_at)
  SELECT 1, id, 'confirm', 'open', CASE WHEN id % 10 = 0 THEN 10 ELSE 0 END,
         now() - interval '1 hour' - (id % 600) * interval '1 second', owner_id, false, now()
  FROM customers;
ANALYZE
"""
LEASE = timedelta(minutes=5)
REQUEST_VALUES = {"operator_id", "session_id", "now", "lease_until", "new_key", "key"}


def test_the_claim_binds_only_the_requests_values() -> None:
    for keyed in (False, True):
        statement = postgresql_statement(keyed=keyed)
        assert statement.fixed == {}
        assert set(statement.names) <= REQUEST_VALUES


async def _plans_after(url: str, claims: int, keyed: bool) -> tuple[int, int]:
    statement = postgresql_statement(keyed=keyed)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(SEED)
        prepared = await connection.prepare(statement.sql)
        for n in range(claims):
            now, operator = utc_now(), 1 + n % 100
            values = {"operator_id": operator, "session_id": f"s{n}", "now": now, "lease_until": now + LEASE}
            await prepared.fetchrow(*statement.arguments({**values, "new_key": f"k{n}", "key": f"k{n}"}))
        row = await connection.fetchrow(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1", statement.sql
        )
        assert row is not None
        return row["generic_plans"], row["custom_plans"]
    finally:
        await connection.close()


def test_postgresql_keeps_one_plan_for_the_claim(postgres_database_url: str) -> None:
    for keyed in (False, True):
        _truncate_postgres(postgres_database_url)
        generic, custom = run_coroutine(_plans_after(postgres_database_url, 12, keyed))
        # PostgreSQL tries five custom plans before it compares them with the generic one. (This small seed
        # does not reproduce the bench database, where the statement with constants as parameters was planned
        # afresh every time; the first test guards that.)
        assert (generic, custom) == (7, 5)
