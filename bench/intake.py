"""Order intake against PostgreSQL: sustained signed webhooks/s and their latency, beside the raw write.

integrations runs in its own process (`okno serve integrations`, 1 uvicorn worker, Redis broker), on a
fresh database. `--clients` threads play shops posting signed `order.created` webhooks for `--duration`
seconds (every order new: the full path of signature, validation, firewall, raw payload, outbox, commit,
publish). Then the same durable write - inbound order + raw payload + outbox row, one transaction per
order - is done by a plain psycopg loop with as many connections, and the ratio is printed.

    .venv/bin/python -m bench.intake                 # 20 s each, 16 clients, fresh database, dropped afterwards
    .venv/bin/python -m bench.intake --duration 5    # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from redis import Redis

from okno.commands.tenants import Engines, add_tenant
from okno.demo import sample_order, signed_request
from services.common.db import make_engine
from services.common.migrations import SERVICES, upgrade
from services.order_confirm.service.tenancy import TenantSpec

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "whsec_YmVuY2gtaW50YWtlLXNlY3JldC0wMDAwMDAwMA=="
PORT = 8871


def run_for(duration: float, clients: int, work: Callable[[int, int], None]) -> tuple[int, float, list[float]]:
    """`clients` threads call `work(client, n)` until `duration` passes; returns count, seconds, latencies."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    deadline = time.monotonic() + duration

    def loop(client: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            work(client, n)
            latencies[client].append(time.perf_counter() - started)
            n += 1

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    flat = [value for per_client in latencies for value in per_client]
    return len(flat), time.monotonic() - started, flat


def webhooks(base_url: str, duration: float, clients: int) -> tuple[int, float, list[float]]:
    http = httpx.Client(base_url=base_url, timeout=60, limits=httpx.Limits(max_connections=clients))
    failures: list[str] = []

    def post(client: int, n: int) -> None:
        document = sample_order(f"B-{client}-{n}", phone=f"+7 916 {client:03d}-{n % 10_000:04d}")
        body, headers = signed_request(document, SECRET)
        response = http.post("/v1/webhooks/bench/orders", content=body.encode(), headers=headers)
        if response.status_code != 202 or response.json()["status"] != "accepted":
            failures.append(f"{response.status_code} {response.text[:200]}")

    result = run_for(duration, clients, post)
    if failures:
        raise SystemExit(f"{len(failures)} webhooks failed, first: {failures[0]}")
    return result


RAW_WRITE = [
    "INSERT INTO inbound_orders (tenant_id, external_id, order_ref, created_at, updated_at)"
    " VALUES (1, %(ext)s, %(ref)s, now(), now()) ON CONFLICT DO NOTHING RETURNING id",
    "INSERT INTO inbound_payloads (tenant_id, inbound_order_id, source, webhook_id, event_type, content_hash, body,"
    " received_at) VALUES (1, %(order)s, 'webhook', %(ref)s, 'order.created', %(ref)s, %(body)s, now()) RETURNING id",
    "INSERT INTO integrations_outbox (message_id, message_type, tenant, envelope, created_at, publish_attempts)"
    " VALUES (%(ref)s, 'order_snapshot.received', 'bench', %(body)s::jsonb, now(), 0)",
]


def raw_inserts(database_url: str, duration: float, clients: int) -> tuple[int, float, list[float]]:
    """The floor: the same three rows in one transaction, no HTTP, no validation, no ORM."""
    connections = [psycopg.connect(database_url) for _ in range(clients)]
    body = json.dumps(sample_order("RAW"), ensure_ascii=False)

    def write(client: int, n: int) -> None:
        ref = str(uuid.uuid4())
        with connections[client].transaction(), connections[client].cursor() as cursor:
            row = cursor.execute(RAW_WRITE[0], {"ext": f"RAW-{client}-{n}", "ref": ref}).fetchone()
            assert row is not None
            cursor.execute(RAW_WRITE[1], {"order": row[0], "ref": ref, "body": body})
            cursor.execute(RAW_WRITE[2], {"ref": ref, "body": body})

    try:
        return run_for(duration, clients, write)
    finally:
        for connection in connections:
            connection.close()


def describe(name: str, count: int, seconds: float, latencies: list[float]) -> float:
    rate = count / seconds
    q = statistics.quantiles(latencies, n=100)
    p50, p99 = q[49] * 1000, q[98] * 1000
    print(f"{name:<34} {count:>7} in {seconds:5.1f} s = {rate:7.1f}/s   p50 {p50:6.1f} ms   p99 {p99:7.1f} ms")
    return rate


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_integrations(database_url: str, namespace: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OKNO_DATABASE_URL": database_url,
        "OKNO_REDIS_URL": REDIS_URL,
        "OKNO_BROKER_NAMESPACE": namespace,
        "OKNO_LOG_LEVEL": "WARNING",
    }
    okno = str(Path(sys.executable).with_name("okno"))
    process = subprocess.Popen([okno, "serve", "integrations", "--host", "127.0.0.1", "--port", str(PORT)], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/healthz").status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("integrations did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each measurement")
    parser.add_argument("--clients", type=int, default=16, help="concurrent shops / connections")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL URL allowed to CREATE DATABASE")
    args = parser.parse_args()

    name = f"okno_bench_intake_{uuid.uuid4().hex[:8]}"
    namespace = f"okno-bench-{name}"
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = args.admin_url.rsplit("/", 1)[0] + f"/{name}"
    server = None
    try:
        for service in SERVICES:
            upgrade(service, url)
        engines = Engines(make_engine(url), make_engine(url))
        add_tenant(engines, TenantSpec("bench", "Bench shop"), webhook_secret=SECRET)
        server = serve_integrations(url, namespace)
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}, {args.clients} clients")
        cpu_before = cpu_seconds(server.pid)
        count, seconds, latencies = webhooks(f"http://127.0.0.1:{PORT}", args.duration, args.clients)
        webhook_rate = describe("signed webhook -> 202 (HTTP)", count, seconds, latencies)
        # Independent of how busy the machine is: what one webhook costs the integrations process.
        print(f"integrations CPU per webhook: {(cpu_seconds(server.pid) - cpu_before) / count * 1000:.1f} ms")
        raw_rate = describe("raw psycopg insert loop", *raw_inserts(url, args.duration, args.clients))
        print(f"webhooks reach {webhook_rate / raw_rate:.0%} of the raw durable-write rate")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        redis = Redis.from_url(REDIS_URL)
        keys = list(redis.scan_iter(f"{namespace}*"))
        if keys:
            redis.delete(*keys)
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
