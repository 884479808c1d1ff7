"""The daily report over a large history on PostgreSQL: seconds per call.

Builds `--orders` orders (default 100 000; the recorded figure uses 1 000 000) spread over `--days` days for
`--tenants` shops with one finished call each (a survey answer on every third), using set-based
`INSERT … SELECT generate_series` into a fresh database, then times the reports a tenant's daily report is
made of (speed, outcomes, handle time, quality; by hour and by operator) for one tenant and one day.

    .venv/bin/python -m bench.reports --orders 1000000
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg
from dramatiq.brokers.stub import StubBroker
from sqlmodel import Session, select

from services.common.db import make_engine
from services.common.migrations import upgrade
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.domain.report_periods import Grouping
from services.order_confirm.models import Operator
from services.order_confirm.service.reports import ReportName, ReportRequest, build_report
from services.order_confirm.service.reports.daily import generate
from services.order_confirm.service.scope import scope_of
from services.order_confirm.settings import OrderConfirmSettings

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
START = datetime(2026, 1, 1, tzinfo=UTC)
DAILY = (ReportName.SPEED, ReportName.OUTCOMES, ReportName.HANDLE_TIME, ReportName.QUALITY)

SEED = """
INSERT INTO tenants (slug, name, timezone, country, language, policy, created_at)
  SELECT 'shop' || t, 'Shop ' || t, 'Europe/Moscow', 'RU', 'ru', '{}'::jsonb, now()
  FROM generate_series(1, %(tenants)s) t;
INSERT INTO operators (login, name, role, password_hash, status, status_changed_at, capacity, language,
                       active, created_at)
  SELECT 'op' || n, 'Operator ' || n, 'operator', 'x', 'offline', now(), 200, 'ru', true, now()
  FROM generate_series(1, %(operators)s) n;
INSERT INTO operators (login, name, role, password_hash, status, status_changed_at, capacity, language,
                       active, created_at)
  VALUES ('boss', 'Boss', 'admin', 'x', 'offline', now(), 0, 'ru', true, now());
INSERT INTO operator_tenants (operator_id, tenant_id) SELECT o.id, t.id FROM operators o CROSS JOIN tenants t;
INSERT INTO customers (tenant_id, phone_key, phone_raw, bad_phone, name, timezone, owner_id, survey_opt_out,
                       created_at, updated_at)
  SELECT 1 + n %% %(tenants)s, '+7900' || n, '+7900' || n, false, 'Customer ' || n, 'Europe/Moscow',
         1 + n %% %(operators)s, false, now(), now()
  FROM generate_series(1, %(orders)s) n;
INSERT INTO orders (tenant_id, customer_id, external_id, source, source_ref, status, version, urgent,
                    delivery_method, delivery_address, payment_method, payment_status, total_minor, currency,
                    content_hash, shop_created_at, received_at, first_attempt_at, attempts_count, closed_at,
                    close_reason, updated_at)
  SELECT 1 + n %% %(tenants)s, n, 'EXT-' || n, 'webhook', 'raw', (ARRAY['confirmed', 'confirmed_with_changes',
         'cancelled', 'unreachable', 'cancelled_by_shop', 'awaiting_call'])[1 + n %% 6], 1, n %% 10 = 0,
         'courier', 'Street 1', 'cod', 'pending', 100000 + n %% 5000, 'RUB', md5(n::text), arrived, arrived,
         arrived + (n %% 3600) * interval '1 second', 1 + n %% 3, arrived + interval '2 hours',
         CASE WHEN n %% 6 = 2 THEN 'changed_mind' END, arrived
  FROM (SELECT n, %(start)s::timestamptz + (n::float / %(orders)s * %(days)s) * interval '1 day' AS arrived
        FROM generate_series(1, %(orders)s) n) s;
INSERT INTO attempts (tenant_id, order_id, operator_id, started_at, ended_at, wrap_up_ended_at, disposition,
                      survey_status, csat, nps, survey_callback_requested)
  SELECT o.tenant_id, o.id, 1 + o.id %% %(operators)s, o.first_attempt_at,
         o.first_attempt_at + (30 + o.id %% 300) * interval '1 second',
         o.first_attempt_at + (60 + o.id %% 400) * interval '1 second', 'confirmed',
         CASE WHEN o.id %% 3 = 0 THEN 'completed' END,
         CASE WHEN o.id %% 3 = 0 THEN 1 + o.id %% 5 END, CASE WHEN o.id %% 3 = 0 THEN o.id %% 11 END, false
  FROM orders o;
ANALYZE;
"""


def build_database(orders: int, days: int, tenants: int, operators: int) -> str:
    name = f"okno_bench_reports_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade("order_confirm", url)
    params = {"orders": orders, "days": days, "tenants": tenants, "operators": operators, "start": START}
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in filter(str.strip, SEED.split(";\n")):
            connection.execute(statement, params)
    return name


def time_daily_report(url: str, day: date, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds per whole daily report (every report, by hour and by operator), and per single report call."""
    engine = make_engine(url)
    daily: list[float] = []
    calls: list[float] = []
    with Session(engine) as session:
        boss = session.exec(select(Operator).where(Operator.login == "boss")).one()
        scope = scope_of(session, boss)
        for _ in range(repeat):
            started = time.perf_counter()
            for name in DAILY:
                for grouping in (Grouping.HOUR, Grouping.OPERATOR):
                    call_started = time.perf_counter()
                    request = ReportRequest(day, day, grouping, tenant_id=1)
                    build_report(session, scope, name, request, now=datetime.now(UTC))
                    calls.append(time.perf_counter() - call_started)
            daily.append(time.perf_counter() - started)
    engine.dispose()
    return daily, calls


def time_stored_daily_report(url: str, day: date, repeat: int) -> list[float]:
    """Seconds to make one stored daily report as the scheduler does (service/reports/daily.py: 5 reports by
    operator and in total, the XLSX, the row and its outbox message), rolled back after each repetition."""
    runtime = order_confirm_wiring.build(OrderConfirmSettings(database_url=url), broker=StubBroker())
    runtime.outbox.relay_enabled = False
    seconds: list[float] = []
    for _ in range(repeat):
        with Session(runtime.engine) as session:
            started = time.perf_counter()
            generate(session, runtime, 1, day)
            session.flush()
            seconds.append(time.perf_counter() - started)
            session.rollback()
    runtime.engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--tenants", type=int, default=5)
    parser.add_argument("--operators", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    name = build_database(args.orders, args.days, args.tenants, args.operators)
    print(f"seeded {args.orders} orders in {time.perf_counter() - started:.1f} s ({name})", flush=True)
    try:
        url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        daily, calls = time_daily_report(url, (START + timedelta(days=args.days // 2)).date(), args.repeat)
        per_day = args.orders / args.days / args.tenants
        print(f"one tenant-day = ~{per_day:.0f} orders out of {args.orders}")
        print(f"report call: median {statistics.median(calls):.3f} s, worst {max(calls):.3f} s")
        whole = statistics.median(daily)
        print(f"whole daily report ({len(DAILY)} reports x by hour + by operator): median {whole:.3f} s")
        stored = time_stored_daily_report(url, (START + timedelta(days=args.days // 2)).date(), args.repeat)
        print(f"stored daily report as the scheduler makes it (with XLSX): median {statistics.median(stored):.3f} s")
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
