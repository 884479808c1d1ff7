"""Snapshot intake in the worker (order_confirm consuming `order.snapshot_received`): msgs/s as orders grow.

A fresh PostgreSQL database with one shop and `--operators` operators on shift. At each level of stored open
orders (`--levels`, default 0, 10 000, 50 000 and 100 000) `--batch` new customers' orders are put on the
in-process broker and consumed by one dramatiq worker with `--threads` threads (`okno worker`'s default, 8)
through the production consumer (inbox, customer upsert and lock, owner assignment, order, items,
confirmation task, timeline, audit), whose threads share a transaction per batch (group commit);
`--threads 1` applies one message per transaction, as before batching. Every message is checked applied once.
Flat means the last level runs as fast as the first; the ratio printed is last / first. Beside it, per level,
the SQL statements, the transactions (commits) and the worker's CPU per message.

The orders between levels are added set-based, owned by the operators, as intake would have left them, then
vacuumed as autovacuum would within a minute: the counters' triggers update an owner's row once per order,
so growing 50 000 orders in one statement leaves ~35 000 dead versions of the 50 operators' rows, and every
owner choice scanned them (25 ms instead of 0.15 ms: the earlier runs' fall from 10 000 to 50 000 orders).

    .venv/bin/python -m bench.snapshot_intake                        # levels 0 .. 100 000
    .venv/bin/python -m bench.snapshot_intake --levels 0 20000       # a quicker look
    .venv/bin/python -m bench.snapshot_intake --threads 1            # one transaction per message
"""

from __future__ import annotations

import argparse
import itertools
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import dramatiq
import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench._measure import load
from contracts.envelope import Envelope
from contracts.orders import (
    CustomerSnapshot,
    DeliveryMethod,
    DeliverySnapshot,
    OrderEventType,
    OrderItemSnapshot,
    OrderSnapshot,
    PaymentSnapshot,
)
from contracts.routing import MessageType, Queue, actor_name
from services.common.logs import configure_logging
from services.common.messaging.broker import make_broker
from services.common.migrations import upgrade
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.settings import OrderConfirmSettings

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
SEED = """
INSERT INTO tenants (slug, name, timezone, country, language, policy, created_at)
  VALUES ('bench', 'Bench', 'Europe/Moscow', 'RU', 'ru', '{}'::jsonb, now());
INSERT INTO operators (login, name, role, password_hash, status, status_changed_at, capacity, language,
                       active, active_customers, created_at)
  SELECT 'op' || n, 'Operator ' || n, 'operator', 'x', 'available', now(), 1000000, 'ru', true, 0, now()
  FROM generate_series(1, %(operators)s) n;
INSERT INTO operator_tenants (operator_id, tenant_id) SELECT id, 1 FROM operators
"""
GROW = """
INSERT INTO customers (tenant_id, phone_key, phone_raw, bad_phone, name, timezone, owner_id, survey_opt_out,
                       created_at, updated_at)
  SELECT 1, '+7800' || n, '+7800' || n, false, 'Customer ' || n, 'Europe/Moscow',
         1 + n %% (SELECT count(*) FROM operators), false, now(), now()
  FROM generate_series(%(start)s, %(stop)s - 1) n;
INSERT INTO orders (tenant_id, customer_id, external_id, source, source_ref, status, version, urgent,
                    delivery_method, delivery_address, payment_method, payment_status, total_minor, currency,
                    content_hash, shop_created_at, received_at, attempts_count, updated_at)
  SELECT 1, c.id, 'OLD-' || c.id, 'webhook', '1', 'awaiting_call', 1, false, 'courier', 'Street 1',
         'cod', 'pending', 100000, 'RUB', md5(c.id::text), now(), now(), 0, now()
  FROM customers c WHERE c.phone_key LIKE '+7800%%' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id);
VACUUM ANALYZE
"""


def snapshot(n: int) -> OrderSnapshot:
    price = Decimal("1990.00")
    return OrderSnapshot(
        external_id=f"NEW-{n}",
        source="webhook",
        source_ref="1",
        event=OrderEventType.CREATED,
        content_hash=f"hash-{n}",
        created_at=datetime.now(UTC),
        customer=CustomerSnapshot(name=f"Покупатель {n}", phone=f"+7999{n:07d}"),
        items=[OrderItemSnapshot(sku="SKU-1", name="Чайник", quantity=1, unit_price=price)],
        delivery=DeliverySnapshot(method=DeliveryMethod.COURIER, address="Светланская 1", city="Владивосток"),
        payment=PaymentSnapshot(method="cod", status="pending", amount=price, currency="RUB"),
        total=price,
        currency="RUB",
    )


def build_database(operators: int) -> str:
    name = f"okno_bench_snapshots_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade("order_confirm", url)
    run_sql(url, SEED, operators=operators)
    return url


def run_sql(url: str, script: str, **params: Any) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in filter(str.strip, script.split(";\n")):
            connection.execute(statement, params)


def check_all_applied(url: str, sent: int) -> None:
    """Every message sent so far became exactly one order with one confirmation task (none dead-lettered)."""
    with psycopg.connect(url) as connection:
        orders, tasks = connection.execute(
            "SELECT count(DISTINCT o.id), count(t.id) FROM orders o LEFT JOIN tasks t ON t.order_id = o.id "
            "WHERE o.external_id LIKE 'NEW-%%'"
        ).fetchone() or (0, 0)
    if (orders, tasks) != (sent, sent):
        raise SystemExit(f"{sent} messages sent, but {orders} orders and {tasks} tasks stored")


def drop_database(url: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def measure(url: str, args: argparse.Namespace) -> list[float]:
    configure_logging("WARNING")  # one log line per message would be measured too
    broker = make_broker(None)
    runtime = order_confirm_wiring.build(OrderConfirmSettings(database_url=url), broker=broker)
    consumer = actor_name(Queue.ORDER_CONFIRM, MessageType.ORDER_SNAPSHOT_RECEIVED)
    statements, commits = itertools.count(), itertools.count()
    event.listen(Engine, "before_cursor_execute", lambda *_: next(statements))
    event.listen(Engine, "commit", lambda *_: next(commits))
    worker = dramatiq.Worker(broker, worker_threads=args.threads, worker_timeout=50)
    worker.start()
    numbers, rates, stored, sent = itertools.count(), [], 0, 0
    for level in args.levels:
        if level > stored:
            run_sql(url, GROW, start=stored, stop=level)
            stored = level
        bodies = [
            Envelope[Any](
                message_type=MessageType.ORDER_SNAPSHOT_RECEIVED, tenant="bench", payload=snapshot(n)
            ).model_dump_json()
            for n in itertools.islice(numbers, args.batch)
        ]
        messages: list[dramatiq.Message[Any]] = [
            dramatiq.Message(
                queue_name=Queue.ORDER_CONFIRM.value, actor_name=consumer, args=(body,), kwargs={}, options={}
            )
            for body in bodies
        ]
        before, committed = next(statements), next(commits)
        cpu, started = time.process_time(), time.perf_counter()
        for message in messages:
            broker.enqueue(message)
        broker.join(Queue.ORDER_CONFIRM.value)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        rates.append(args.batch / wall)
        check_all_applied(url, sent := sent + args.batch)
        print(
            f"{level} stored orders: {rates[-1]:6.0f} msgs/s  {cpu / args.batch * 1000:5.2f} ms CPU/msg  "
            f"{(next(statements) - before - 1) / args.batch:5.1f} SQL statements/msg  "
            f"{(next(commits) - committed - 1) / args.batch:5.2f} transactions/msg  ({load()})",
            flush=True,
        )
    worker.stop()
    runtime.engine.dispose()
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operators", type=int, default=50)
    parser.add_argument("--levels", type=int, nargs="+", default=[0, 10_000, 50_000, 100_000])
    parser.add_argument("--batch", type=int, default=1000, help="messages consumed at each level")
    parser.add_argument("--threads", type=int, default=8, help="the worker's threads (1: a transaction per message)")
    args = parser.parse_args()
    url = build_database(args.operators)
    print(
        f"{args.operators} operators on shift; {args.batch} new customers' orders per level; "
        f"one worker, {args.threads} threads"
    )
    try:
        rates = measure(url, args)
    finally:
        drop_database(url)
    print(f"flatness (last level / first level): {rates[-1] / rates[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
