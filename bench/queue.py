"""Operators claiming tasks over real HTTP on PostgreSQL: claims/s, latency, zero double claims.

`order_confirm` runs in its own uvicorn process (`bench._serve`, production settings). A cheap asyncio
client (bench/_http.py) sends pre-built `POST /api/v1/queue/next` requests with real access tokens:

- closed loop: `--clients` keep-alive connections (default 500, two browser tabs per operator racing for
  one queue), each claiming again as soon as it has its answer, until `--claims` claims (default 100 000);
- open loop: `--rate` claims per second (default 200) for `--open-seconds`, latency counted from the moment
  each claim was due to be sent (a slow answer cannot hide the ones queued behind it);
- baseline: a raw asyncpg loop sending the same SQL statement (service/queue_claim.py), in autocommit as
  the server does, from as many concurrent tasks over as many connections as the server's async pool
  (`--pool-size`, both), in this run on this machine.

Every task has a 5-minute lease, so a task id answered twice is a double claim. Prints claims/s, latency,
server CPU (every worker process), the CPU of the PostgreSQL backends serving it and PostgreSQL transactions
per claim, requests the client sent again
because the server closed an idle keep-alive connection as they went out (as browsers do; bench/_http.py),
the ratio to the baseline, and the machine's load. `--workers N` runs order_confirm as
`okno serve order_confirm --workers N`.

    .venv/bin/python -m bench.queue                    # fresh database, dropped afterwards
    .venv/bin/python -m bench.queue --claims 20000     # a quicker look
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg
import psycopg

from bench._http import Connection, build_request
from bench._measure import committed, cpu_seconds, latency_line, load, server_counters, tree_cpu_seconds
from services.common.clock import utc_now
from services.common.migrations import upgrade
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.security.tokens import issue_access_token
from services.order_confirm.service.queue_claim import postgresql_statement
from tests.support import free_port

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
SECRET = "bench-queue-secret-with-enough-bytes-for-hs256"
LEASE = timedelta(minutes=5)
TASK_ID = re.compile(rb'"task":\{"id":(\d+)')

SEED = """
INSERT INTO tenants (slug, name, timezone, country, language, policy, created_at)
  VALUES ('bench', 'Bench', 'Europe/Moscow', 'RU', 'ru', '{}'::jsonb, now());
INSERT INTO operators (login, name, role, password_hash, status, status_changed_at, capacity, language,
                       active, created_at)
  SELECT 'op' || n, 'Operator ' || n, 'operator', 'x', 'available', now(), 200, 'ru', true, now()
  FROM generate_series(1, %(operators)s) n;
INSERT INTO operator_tenants (operator_id, tenant_id) SELECT id, 1 FROM operators;
INSERT INTO auth_sessions (id, operator_id, refresh_hash, created_at, last_refreshed_at, expires_at)
  SELECT 'bench' || id, id, md5(id::text), now(), now(), now() + interval '1 day' FROM operators;
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
         now() - interval '1 hour' - (o.id %% 600) * interval '1 second', c.owner_id, false, now()
  FROM orders o JOIN customers c ON c.id = o.customer_id;
VACUUM ANALYZE
"""


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    claimed: list[int] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    empty: int = 0
    resent: int = 0

    def record(self, status: int, body: bytes, seconds: float) -> None:
        if status == 200 and (found := TASK_ID.search(body)):
            self.latencies.append(seconds)
            self.claimed.append(int(found.group(1)))
        elif status == 204:
            self.empty += 1
        else:
            self.errors[f"HTTP {status}"] += 1

    def doubles(self) -> int:
        return sum(1 for times in Counter(self.claimed).values() if times > 1)


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
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def claim_requests(operators: int, tabs: int, port: int) -> list[bytes]:
    """One pre-built claim per browser tab: operator n's tabs are tabs n, n + operators, ..."""
    now = utc_now()
    tokens = [
        issue_access_token(
            secret=SECRET,
            operator_id=n,
            role=Role.OPERATOR,
            session_id=f"bench{n}",
            now=now,
            lifetime=timedelta(hours=2),
        )
        for n in range(1, operators + 1)
    ]
    headers = [{"Authorization": f"Bearer {token}"} for token in tokens]
    return [build_request("POST", "/api/v1/queue/next", port, headers[n % operators]) for n in range(operators * tabs)]


async def closed_loop(port: int, requests: list[bytes], claims: int) -> tuple[Tally, float]:
    tally, budget = Tally(), [claims]

    async def tab(raw: bytes) -> None:
        connection = Connection(port)
        try:
            while budget[0] > 0:
                budget[0] -= 1
                started = time.perf_counter()
                try:
                    status, body = await connection.request(raw)
                except (OSError, asyncio.IncompleteReadError) as error:
                    tally.errors[type(error).__name__] += 1
                    connection.close()
                    continue
                tally.record(status, body, time.perf_counter() - started)
        finally:
            tally.resent += connection.resent
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(tab(raw) for raw in requests))
    return tally, time.perf_counter() - started


async def open_loop(port: int, requests: list[bytes], rate: float, seconds: float) -> Tally:
    """Claims sent on a fixed schedule over a pool of idle connections; latency from the scheduled time."""
    tally, idle = Tally(), [Connection(port) for _ in range(64)]
    interval, started = 1 / rate, time.perf_counter()

    async def one(n: int, due: float) -> None:
        connection = idle.pop() if idle else Connection(port)
        try:
            status, body = await connection.request(requests[n % len(requests)])
            tally.record(status, body, time.perf_counter() - due)
            idle.append(connection)
        except (OSError, asyncio.IncompleteReadError) as error:
            tally.errors[type(error).__name__] += 1
            connection.close()

    pending = []
    for n in range(int(rate * seconds)):
        due = started + n * interval
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        pending.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*pending)
    for connection in idle:
        tally.resent += connection.resent
        connection.close()
    return tally


async def raw_baseline(url: str, operators: int, tabs: int, claims: int, pool_size: int) -> tuple[Tally, float]:
    """The same claim statement straight through asyncpg: what the database and driver alone can do."""
    statement = postgresql_statement(keyed=False)
    statements = []
    for n in range(1, operators + 1):
        now = utc_now()
        values = {"operator_id": n, "session_id": f"bench{n}", "now": now, "lease_until": now + LEASE}
        statements.append((statement.sql, statement.arguments({**values, "new_key": f"raw{n}", "key": None})))
    pool = await asyncpg.create_pool(url, min_size=pool_size, max_size=pool_size)
    tally, budget = Tally(), [claims]

    async def tab(n: int) -> None:
        sql, args = statements[n % operators]
        while budget[0] > 0:
            budget[0] -= 1
            started = time.perf_counter()
            async with pool.acquire() as connection:
                row = await connection.fetchrow(sql, *args)  # autocommit, as the server sends it
            tally.latencies.append(time.perf_counter() - started)
            tally.claimed.append(int(row["t_id"]))

    started = time.perf_counter()
    await asyncio.gather(*(tab(n) for n in range(operators * tabs)))
    wall = time.perf_counter() - started
    await pool.close()
    return tally, wall


def start_server(url: str, port: int, workers: int, pool_size: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OKNO_DATABASE_URL": url,
        "OKNO_JWT_SECRET": SECRET,
        "OKNO_LOG_LEVEL": "WARNING",
        "OKNO_DB_ASYNC_POOL_SIZE": str(pool_size),
    }
    env.pop("OKNO_REDIS_URL", None)
    command = [sys.executable, "-m", "bench._serve", "order_confirm", "--port", str(port), "--workers", str(workers)]
    # Transactions are counted by PostgreSQL (`committed`): asyncpg's query logger, which bench._serve would
    # attach to count statements, costs the server CPU on every claim (~2 % of it).
    command += ["--driver-statements", "off"]
    # A session of its own, so `stop_server` ends uvicorn's worker processes too.
    server = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 120  # every worker imports the whole app; slow on a loaded machine
    while time.monotonic() < deadline:
        try:
            server_counters(port)
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("order_confirm did not start")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()  # uvicorn's supervisor ends its workers on SIGTERM
    try:
        server.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)


def database_backends(url: str) -> list[int]:
    """The PostgreSQL backends connected to the bench's database (the server's pools), this one left out."""
    with psycopg.connect(url, autocommit=True) as connection:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        return [int(row[0]) for row in connection.execute(query).fetchall()]


def backends_cpu(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):  # a connection closed since it was listed
            found[pid] = cpu_seconds(pid)
    return found


def postgres_cpu(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the backends spent between two readings (backends seen at both: the pools' long-lived ones)."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def report(
    name: str,
    tally: Tally,
    wall: float | None,
    cpu: float | None = None,
    transactions: int | None = None,
    postgres: float | None = None,
) -> None:
    done = len(tally.claimed)
    rate = f"{done / wall:,.0f} claims/s" if wall else ""
    print(f"{name}: {done} claims {rate}  {latency_line(tally.latencies)}")
    extras = [f"sent again on a fresh connection {tally.resent}"]
    if cpu is not None and done:
        extras.append(f"server CPU {cpu / done * 1000:.2f} ms/claim")
    if postgres is not None and done:
        extras.append(f"PostgreSQL backends' CPU {postgres / done * 1000:.2f} ms/claim")
    if transactions is not None and done:
        extras.append(f"{transactions / done:.2f} PostgreSQL transactions/claim")
    errors = sum(tally.errors.values())
    print(f"    double claims {tally.doubles()}  errors {errors} {dict(tally.errors) or ''}  " + "  ".join(extras))


def run(url: str, args: argparse.Namespace) -> int:
    port = free_port()
    requests = claim_requests(args.operators, args.tabs, port)
    print(load())
    raw, raw_wall = asyncio.run(
        raw_baseline(url, args.operators, args.tabs, args.baseline_claims, args.pool_size * args.workers)
    )
    report("baseline (raw asyncpg, same SQL)", raw, raw_wall)
    server = start_server(url, port, args.workers, args.pool_size)
    try:
        print(f"order_confirm: {args.workers} worker process(es), async pool {args.pool_size} each")
        # A few claims first, so every pooled connection is open when the backends' CPU is read.
        warm_up, _ = asyncio.run(closed_loop(port, requests, 10 * args.pool_size * args.workers))
        backends = database_backends(url)
        transactions0, cpu0, postgres0 = committed(url), tree_cpu_seconds(server.pid), backends_cpu(backends)
        closed, wall = asyncio.run(closed_loop(port, requests, args.claims))
        cpu1, postgres1, transactions1 = tree_cpu_seconds(server.pid), backends_cpu(backends), committed(url)
        postgres = postgres_cpu(postgres0, postgres1)
        name = f"closed loop, {len(requests)} clients"
        report(name, closed, wall, cpu1 - cpu0, transactions1 - transactions0, postgres)
        opened = asyncio.run(open_loop(port, requests, args.rate, args.open_seconds))
        report(f"open loop, {args.rate:.0f}/s", opened, None)
    finally:
        stop_server(server)
    print(f"ratio closed loop / baseline: {len(closed.claimed) / wall / (len(raw.claimed) / raw_wall):.2f}")
    print(load())
    doubles = Tally(claimed=warm_up.claimed + closed.claimed).doubles() + opened.doubles() + raw.doubles()
    failed = closed.errors or opened.errors or warm_up.errors or doubles
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operators", type=int, default=250)
    parser.add_argument("--tabs", type=int, default=2, help="concurrent clients per operator (browser tabs)")
    parser.add_argument("--claims", type=int, default=100_000, help="closed-loop claims")
    parser.add_argument("--baseline-claims", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop claims per second")
    parser.add_argument("--open-seconds", type=float, default=10.0)
    parser.add_argument(
        "--pool-size", type=int, default=10, help="the server's async pool per worker process (and the baseline's)"
    )
    parser.add_argument("--workers", type=int, default=1, help="order_confirm's uvicorn worker processes")
    parser.add_argument("--database-url", help="an already seeded database (default: a fresh one, dropped after)")
    args = parser.parse_args()
    tasks = args.claims + args.baseline_claims + int(args.rate * args.open_seconds) + 1000 * args.operators // 10
    url = args.database_url or build_database(args.operators, tasks)
    print(f"{args.operators} operators x {args.tabs} tabs, {tasks} open tasks on {url.rsplit('/', 1)[1]}")
    try:
        return run(url, args)
    finally:
        if not args.database_url:
            drop_database(url)


if __name__ == "__main__":
    raise SystemExit(main())
