"""Order intake against PostgreSQL: signed webhooks/s, latency and cost per webhook, beside the raw write.

integrations runs in its own process (bench._serve: the production app, `--workers` uvicorn worker processes,
default one, Redis broker, SQL counters) on a fresh database. `--clients` keep-alive connections of a raw
asyncio client (bench/_http.py) post `order.created` webhooks signed before the clock starts (every order
new: the full path of signature, validation, firewall, raw payload, outbox row, commit, then the batch
relay's publish) for `--duration` seconds, closed loop. Before that, a counting pass of `--counted` webhooks
counts the statements the server sends per webhook with asyncpg's query logger on; the timed pass runs
without it (the logger costs the server CPU on every statement). Then every accepted webhook is checked stored once
and published, and the same durable write (inbound order + raw payload + outbox row, one transaction each)
runs through asyncpg from as many connections: the baseline, and the ratio to it.

    .venv/bin/python -m bench.intake                 # 20 s, 16 clients, fresh database, dropped afterwards
    .venv/bin/python -m bench.intake --duration 5    # a quick look
    .venv/bin/python -m bench.intake --workers 2     # integrations as `okno serve integrations --workers 2`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import asyncpg
import psycopg
from redis import Redis

from bench._http import Connection, build_request
from bench._measure import (
    committed,
    count_driver_statements,
    latency_line,
    load,
    server_counters,
    tree_cpu_seconds,
)
from okno.commands.tenants import Engines, add_tenant
from okno.demo import sample_order, signed_request
from services.common.db import make_engine
from services.common.migrations import SERVICES, upgrade
from services.order_confirm.service.tenancy import TenantSpec
from tests.support import free_port

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "whsec_YmVuY2gtaW50YWtlLXNlY3JldC0wMDAwMDAwMA=="
PATH = "/v1/webhooks/bench/orders"


def signed_webhooks(port: int, count: int) -> Iterator[bytes]:
    """`count` distinct signed order webhooks as raw HTTP requests (built before the clock starts)."""
    for n in range(count):
        document = sample_order(f"B-{n}", phone=f"+7 916 {n // 10_000 % 1000:03d}-{n % 10_000:04d}")
        body, headers = signed_request(document, SECRET)
        yield build_request("POST", PATH, port, headers, raw_body=body.encode())


async def post_all(port: int, requests: list[bytes], clients: int, duration: float) -> tuple[list[float], float]:
    """Closed loop: each client posts the next prebuilt request as soon as its last one is answered."""
    latencies: list[float] = []
    pending = iter(requests)
    deadline = time.perf_counter() + duration

    async def client() -> None:
        connection = Connection(port)
        try:
            for raw in pending:
                if time.perf_counter() > deadline:
                    return
                started = time.perf_counter()
                status, body = await connection.request(raw)
                latencies.append(time.perf_counter() - started)
                if status != 202 or json.loads(body)["status"] != "accepted":
                    raise SystemExit(f"webhook answered {status}: {body[:300]!r}")
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - started


RAW_ORDER = (
    "INSERT INTO inbound_orders (tenant_id, external_id, order_ref, created_at, updated_at)"
    " VALUES (1, $1, $2, now(), now()) ON CONFLICT DO NOTHING RETURNING id"
)
RAW_PAYLOAD = (
    "INSERT INTO inbound_payloads (tenant_id, inbound_order_id, source, webhook_id, event_type, content_hash, body,"
    " received_at) VALUES (1, $1, 'webhook', $2, 'order.created', $2, $3, now()) RETURNING id"
)
RAW_OUTBOX = (
    "INSERT INTO integrations_outbox (message_id, message_type, tenant, envelope, created_at, publish_attempts,"
    " republish_count) VALUES ($1, 'order_snapshot.received', 'bench', $2::jsonb, now(), 0, 0)"
)


async def raw_writes(url: str, clients: int, duration: float) -> tuple[list[float], float]:
    """The floor: the same three rows in one transaction per order, straight through asyncpg."""
    body = json.dumps(sample_order("RAW"), ensure_ascii=False)
    connections = [await asyncpg.connect(url) for _ in range(clients)]
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def writer(client: int) -> None:
        connection, n = connections[client], 0
        while time.perf_counter() < deadline:
            started, ref = time.perf_counter(), str(uuid.uuid4())
            async with connection.transaction():
                order_id = await connection.fetchval(RAW_ORDER, f"RAW-{client}-{n}", ref)
                await connection.execute(RAW_PAYLOAD, order_id, ref, body)
                await connection.execute(RAW_OUTBOX, ref, body)
            latencies.append(time.perf_counter() - started)
            n += 1

    started = time.perf_counter()
    try:
        await asyncio.gather(*(writer(c) for c in range(clients)))
    finally:
        for connection in connections:
            await connection.close()
    return latencies, time.perf_counter() - started


def serve_integrations(
    database_url: str, namespace: str, port: int, clients: int, workers: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OKNO_DATABASE_URL": database_url,
        "OKNO_REDIS_URL": REDIS_URL,
        "OKNO_BROKER_NAMESPACE": namespace,
        "OKNO_LOG_LEVEL": "WARNING",
        "OKNO_DB_ASYNC_POOL_SIZE": str(clients),  # one connection per concurrent request, no waiting for one
    }
    command = [sys.executable, "-m", "bench._serve", "integrations", "--port", str(port), "--workers", str(workers)]
    command += ["--driver-statements", "off"]  # counted in a pass of their own (count_statements)
    # A session of its own, so `stop` can end uvicorn's worker processes too, whatever state it is in.
    process = subprocess.Popen([*command, "--limit-concurrency", str(clients * 4)], env=env, start_new_session=True)
    deadline = time.monotonic() + 120  # every worker process imports the whole app; slow on a loaded machine
    while time.monotonic() < deadline:
        try:
            server_counters(port)
            return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit("integrations did not start")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()  # uvicorn's supervisor ends its workers on SIGTERM
    try:
        server.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # whatever is left of the process group


def verify(url: str, accepted: int) -> None:
    """Every accepted webhook is stored once and its snapshot published (the relay kept up)."""
    with psycopg.connect(url) as connection:
        deadline = time.monotonic() + 60
        while True:
            row = connection.execute(
                "SELECT (SELECT count(*) FROM inbound_payloads WHERE webhook_id LIKE 'msg_%'),"
                " (SELECT count(*) FROM integrations_outbox WHERE published_at IS NOT NULL)"
            ).fetchone()
            assert row is not None
            if row[1] >= row[0] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    stored, published = row
    print(f"verified: {stored} stored (answered accepted: {accepted}), {published} published")
    if stored != accepted or published < stored:
        raise SystemExit("intake lost or doubled webhooks")


def count_statements(server: subprocess.Popen[bytes], url: str, port: int, requests: list[bytes], clients: int) -> None:
    """Statements the server sends per webhook, counted in a pass of their own: asyncpg's query logger, which
    sees the hot path's statements, costs CPU on each one, so the timed pass runs without it. The CPU of this
    pass shows what the logger costs; transactions are PostgreSQL's count (a statement outside BEGIN/COMMIT
    is a transaction of its own)."""
    count_driver_statements(port, on=True)
    try:
        before, transactions, cpu = server_counters(port), committed(url), tree_cpu_seconds(server.pid)
        asyncio.run(post_all(port, requests, clients, 60))
        time.sleep(0.5)  # the relay's last batch UPDATE
        after, cpu = server_counters(port), tree_cpu_seconds(server.pid) - cpu
    finally:
        count_driver_statements(port, on=False)
    transactions = committed(url) - transactions
    n = len(requests)
    print(
        f"counting pass ({n} webhooks, query logger on): {(after.statements - before.statements) / n:.2f} statements",
        f"and {transactions / n:.2f} transactions per webhook (relay included), {cpu / n * 1000:.2f} ms CPU per",
        "webhook with the logger",
    )


def measure(url: str, args: argparse.Namespace, namespace: str) -> None:
    port = free_port()
    requests = list(signed_webhooks(port, int(args.duration * args.max_rate) + args.clients + args.counted))
    warm_up, requests = requests[: args.clients], requests[args.clients :]
    counted, requests = requests[: args.counted], requests[args.counted :]
    # The client's own full collections scanned every prebuilt request (0.4-0.7 s pauses that stalled all the
    # connections at once, in the timed pass or the baseline's): what exists now is kept out of their reach.
    gc.freeze()
    server = serve_integrations(url, namespace, port, args.clients, args.workers)
    try:
        # Imports, statement caches, the tenant cache and the pools of every worker process.
        asyncio.run(post_all(port, warm_up, args.clients, 60))
        if args.workers == 1:  # the switch reaches one worker process only
            count_statements(server, url, port, counted, args.clients)
        else:
            counted = []
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {load()}; {args.clients} clients, {args.workers} worker(s)")
        transactions, cpu = committed(url), tree_cpu_seconds(server.pid)
        latencies, seconds = asyncio.run(post_all(port, requests, args.clients, args.duration))
        cpu = tree_cpu_seconds(server.pid) - cpu
        count = len(latencies)
        rate = count / seconds
        print(f"signed webhook -> 202: {count} in {seconds:.1f} s = {rate:.0f}/s; {latency_line(latencies)}")
        verify(url, count + len(warm_up) + len(counted))
        transactions = committed(url) - transactions
        print(f"integrations per webhook: {cpu / count * 1000:.2f} ms CPU (relay included, no query logger),", end=" ")
        print(f"{transactions / count:.2f} transactions (PostgreSQL's count: the relay's batches and this")
        print("benchmark's own reads included)")
    finally:
        stop(server)
    raw_latencies, raw_seconds = asyncio.run(raw_writes(url, args.clients, args.duration))
    raw_rate = len(raw_latencies) / raw_seconds
    print(f"baseline (asyncpg, same rows): {raw_rate:.0f}/s; {latency_line(raw_latencies)}")
    print(f"webhooks reach {rate / raw_rate:.0%} of the raw durable-write rate (target >= 1 500/s and >= 30 %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each measurement")
    parser.add_argument("--clients", type=int, default=16, help="concurrent shops (keep-alive connections)")
    parser.add_argument("--workers", type=int, default=1, help="integrations' uvicorn worker processes")
    parser.add_argument("--counted", type=int, default=400, help="webhooks of the statement-counting pass")
    parser.add_argument("--max-rate", type=int, default=4000, help="webhooks/s to pre-sign for (the loop stops short)")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL URL allowed to CREATE DATABASE")
    args = parser.parse_args()

    name = f"okno_bench_intake_{uuid.uuid4().hex[:8]}"
    namespace = f"okno-bench-{name}"
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = args.admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        for service in SERVICES:
            upgrade(service, url)
        engines = Engines(make_engine(url), make_engine(url))
        add_tenant(engines, TenantSpec("bench", "Bench shop"), webhook_secret=SECRET)
        engines.order_confirm.dispose()
        engines.integrations.dispose()
        measure(url, args, namespace)
    finally:
        redis = Redis.from_url(REDIS_URL)
        keys = list(redis.scan_iter(f"{namespace}*"))
        if keys:
            redis.delete(*keys)
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
