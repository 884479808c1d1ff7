"""Operators claiming and closing tasks against PostgreSQL: claims/s, claim latency, and zero double claims.

`--operators` operators each work with `--tabs` browser tabs at once (default 250 x 2 = 500 concurrent
workers), each tab looping: claim the next due task (`POST /api/v1/queue/next`'s service function, with its
lease and `SKIP LOCKED`), then close it (only if the lease is still its own). Two tabs of one operator share
one queue, so they race for the same rows: a task claimed twice would show up as a double claim.

    .venv/bin/python -m bench.queue                  # 60 s, 500 workers, fresh database, dropped afterwards
    .venv/bin/python -m bench.queue --duration 10    # a quick look
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from services.common.clock import utc_now
from services.common.db import make_engine, transaction
from services.common.migrations import upgrade
from services.order_confirm.domain.vocabulary import TaskStatus
from services.order_confirm.models import Operator, Task
from services.order_confirm.service import queue
from services.order_confirm.service.scope import Scope, scope_of

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
LEASE = timedelta(minutes=5)

SEED = """
INSERT INTO tenants (slug, name, timezone, country, language, policy, created_at)
  VALUES ('bench', 'Bench', 'Europe/Moscow', 'RU', 'ru', '{}'::jsonb, now());
INSERT INTO operators (login, name, role, password_hash, status, status_changed_at, capacity, language,
                       failed_logins, active, created_at)
  SELECT 'op' || n, 'Operator ' || n, 'operator', 'x', 'available', now(), 200, 'ru', 0, true, now()
  FROM generate_series(1, %(operators)s) n;
INSERT INTO operator_tenants (operator_id, tenant_id) SELECT id, 1 FROM operators;
INSERT INTO customers (tenant_id, phone_key, phone_raw, bad_phone, name, timezone, owner_id, survey_opt_out,
                       created_at, updated_at)
  SELECT 1, '+7900' || n, '+7900' || n, false, 'Customer ' || n, 'Europe/Moscow', 1 + n %% %(operators)s,
         false, now(), now()
  FROM generate_series(0, %(tasks)s - 1) n;
INSERT INTO orders (tenant_id, customer_id, external_id, source, source_ref, status, version, urgent,
                    delivery_method, delivery_address, payment_method, payment_status, total_minor, currency,
                    content_hash, shop_created_at, received_at, attempts_count, updated_at)
  SELECT 1, c.id, 'EXT-' || c.id, 'webhook', 'raw', 'awaiting_call', 1, c.id %% 10 = 0, 'courier', 'Street 1',
         'cod', 'pending', 100000, 'RUB', md5(c.id::text), now(), now(), 0, now()
  FROM customers c;
INSERT INTO tasks (tenant_id, order_id, customer_id, kind, status, priority, due_at, assignee_id, is_cover,
                   created_at)
  SELECT 1, o.id, o.customer_id, 'confirm', 'open', CASE WHEN o.urgent THEN 10 ELSE 0 END,
         now() - (o.id %% 600) * interval '1 second', c.owner_id, false, now()
  FROM orders o JOIN customers c ON c.id = o.customer_id;
ANALYZE;
"""


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    claimed: list[int] = field(default_factory=list)
    lost_leases: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def build_database(operators: int, tasks: int) -> str:
    name = f"okno_bench_queue_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade("order_confirm", url)
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in filter(str.strip, SEED.split(";\n")):
            connection.execute(statement, {"operators": operators, "tasks": tasks})
    return url


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scopes(engine: Engine) -> list[Scope]:
    with Session(engine, expire_on_commit=False) as session:
        operators = session.exec(select(Operator).order_by(col(Operator.id))).all()
        return [scope_of(session, operator) for operator in operators]


def work(engine: Engine, scope: Scope, deadline: float, tally: Tally) -> None:
    """One browser tab: claim, close, repeat until the deadline or until the queue is empty."""
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            with transaction(engine) as session:
                entry = queue.claim_next(session, scope, utc_now(), lease=LEASE)
                task_id = entry.task.id if entry else None
        except Exception as error:  # recorded and reported: the benchmark must not hide failures
            with tally.lock:
                tally.errors.append(repr(error))
            continue
        elapsed = time.perf_counter() - started
        if task_id is None:
            return
        with tally.lock:
            tally.latencies.append(elapsed)
            tally.claimed.append(task_id)
        try:
            closed = close(engine, scope, task_id)
        except Exception as error:  # as above
            with tally.lock:
                tally.errors.append(repr(error))
            continue
        if not closed:
            with tally.lock:
                tally.lost_leases += 1


def close(engine: Engine, scope: Scope, task_id: int) -> bool:
    """Done, but only while the lease is still ours: a second holder would make this fail."""
    with transaction(engine) as session:
        result = session.execute(
            update(Task)
            .where(
                col(Task.id) == task_id,
                col(Task.status) == TaskStatus.OPEN.value,
                col(Task.lease_operator_id) == scope.operator_id,
            )
            .values(status=TaskStatus.DONE.value, closed_at=utc_now(), lease_operator_id=None, lease_expires_at=None)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def run_share(url: str, operator_ids: list[int], tabs: int, deadline: float, pool_size: int) -> Tally:
    """One process's share of the operators, each with `tabs` threads."""
    engine = make_engine(url, pool_size=pool_size)
    tally = Tally()
    threads = [
        threading.Thread(target=work, args=(engine, scope, deadline, tally), daemon=True)
        for scope in scopes(engine)
        if scope.operator_id in operator_ids
        for _ in range(tabs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    tally.lock = None  # type: ignore[assignment]  # locks do not cross process boundaries
    return tally


def run(url: str, *, operators: int, tabs: int, duration: float, pool_size: int, processes: int) -> int:
    """Spread the workers over `processes` (one Python process alone is limited by its GIL, not the DB)."""
    ids = list(range(1, operators + 1))
    started = time.monotonic()
    deadline_offset = duration
    with ProcessPoolExecutor(max_workers=processes) as pool:
        shares = [
            pool.submit(run_share, url, ids[n::processes], tabs, time.monotonic() + deadline_offset, pool_size)
            for n in range(processes)
        ]
        tallies = [share.result() for share in shares]
    wall = time.monotonic() - started
    total = Tally()
    for tally in tallies:
        total.latencies += tally.latencies
        total.claimed += tally.claimed
        total.lost_leases += tally.lost_leases
        total.errors += tally.errors
    return report(total, workers=operators * tabs, wall=wall)


def report(tally: Tally, *, workers: int, wall: float) -> int:
    doubles = [task for task, times in Counter(tally.claimed).items() if times > 1]
    latencies = sorted(tally.latencies)
    print(f"workers: {workers}  wall: {wall:.1f} s  claims: {len(latencies)}  errors: {len(tally.errors)}")
    if latencies:
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"claims/s: {len(latencies) / wall:.0f}")
        print(f"claim latency p50: {statistics.median(latencies) * 1000:.1f} ms  p99: {p99 * 1000:.1f} ms")
    print(f"double claims: {len(doubles)}  closes refused (lease not ours): {tally.lost_leases}")
    for error in tally.errors[:5]:
        print(f"error: {error}")
    return 1 if doubles or tally.lost_leases or tally.errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operators", type=int, default=250)
    parser.add_argument("--tabs", type=int, default=2, help="concurrent workers per operator (browser tabs)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--tasks", type=int, default=60_000, help="open tasks seeded (the queue must not run dry)")
    parser.add_argument("--pool-size", type=int, default=10, help="connections per process (x3 with overflow)")
    parser.add_argument("--processes", type=int, default=2, help="client processes sharing the workers")
    parser.add_argument("--database-url", help="an already seeded database (default: a fresh one, dropped after)")
    args = parser.parse_args()
    url = args.database_url or build_database(args.operators, args.tasks)
    print(
        f"{args.operators} operators x {args.tabs} tabs in {args.processes} processes "
        f"for {args.duration:.0f} s on {url.rsplit('/', 1)[1]}"
    )
    try:
        return run(
            url,
            operators=args.operators,
            tabs=args.tabs,
            duration=args.duration,
            pool_size=args.pool_size,
            processes=args.processes,
        )
    finally:
        if not args.database_url:
            drop_database(url)


if __name__ == "__main__":
    raise SystemExit(main())
