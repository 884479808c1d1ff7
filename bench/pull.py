"""Pulling orders from 1C: `okno`'s pull of N pending orders vs. a bare bulk insert of the same rows.

The local 1C server (`okno.sandbox.onec_trade`) runs in its own process with N pending УТ 11 orders.
The pull is the production path: OData pages (`$top`, keyset cursor), partners and products resolved in
batches, mapping and validation into `OrderSnapshot`, then per page one transaction with the document
rows, the outbox messages and the cursor, and the relay publishing the page to Redis after commit.
The baseline writes the very same rows (documents + outbox) with plain multi-row INSERTs, one
transaction per page, on an emptied database. The ratio is pull time / baseline time.

    .venv/bin/python -m bench.pull                       # 50 000 orders (~2 min), fresh PostgreSQL database
    .venv/bin/python -m bench.pull --orders 100000       # the issue's figure
    .venv/bin/python -m bench.pull --orders 20000        # a quick look
    .venv/bin/python -m bench.pull --database-url sqlite:////tmp/pull.db
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
from redis import Redis
from sqlalchemy import delete, insert, text

from bench._measure import cpu_seconds, load
from contracts.http.erp_sync import ErpConnectionIn
from services.common.db import make_engine, transaction
from services.common.messaging.broker import make_broker
from services.common.migrations import upgrade
from services.integrations import wiring as integrations_wiring
from services.integrations.adapters.erp.onec_mapping import OneCMapping
from services.integrations.models import ErpCursor, ErpDocument, OutboxMessage
from services.integrations.service.erp_config import set_erp_connection
from services.integrations.service.erp_pull import PullSummary, pull_tenant
from services.integrations.service.tenants import add_tenant
from services.integrations.settings import IntegrationsSettings

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
PORT = 8873
TENANT = "bench-shop"
_MAPPING = OneCMapping()  # the pull's (the default УТ 11 mapping)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=50_000, help="pending orders in the 1C (target: 100 000)")
    parser.add_argument("--page-size", type=int, default=1_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh PostgreSQL database, dropped after")
    args = parser.parse_args()
    database_url, drop = args.database_url, None
    if database_url is None:
        name = f"okno_bench_pull_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        database_url, drop = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name
    server = _start_onec(args.orders)
    namespace = f"okno-bench-pull-{uuid.uuid4().hex[:6]}"
    try:
        print(load())
        pulled, summary, pull_cost = _pull(database_url, args.page_size, namespace)
        bulk, bulk_cost = _bulk_insert(database_url, args.page_size)
        orders = summary.created
        print(f"orders:            {orders} in {summary.pages} pages of {args.page_size}")
        print(f"pull (end to end): {pulled:8.1f} s   {orders / pulled:8.0f} orders/s   {pull_cost.per(orders)}")
        print(f"bare bulk insert:  {bulk:8.1f} s   {orders / bulk:8.0f} orders/s   {bulk_cost.per(orders)}")
        print(f"ratio pull / bulk: {pulled / bulk:8.1f}   CPU (client + PostgreSQL): {pull_cost.ratio(bulk_cost):.1f}")
        print(load())
    finally:
        server.terminate()
        server.wait(timeout=10)
        client = Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)
        if drop:
            with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')


@dataclass(frozen=True)
class _Cost:
    """CPU of one phase: this process (every thread) with its read-ahead process, and the PostgreSQL backends
    serving the database; what the load of the machine does not change."""

    client_seconds: float
    database_seconds: float
    commits: int

    def per(self, orders: int) -> str:
        client, database = self.client_seconds * 1000 / orders, self.database_seconds * 1000 / orders
        return f"CPU/order: client {client:.3f} ms, PostgreSQL {database:.3f} ms; {self.commits} commits"

    def ratio(self, other: _Cost) -> float:
        return (self.client_seconds + self.database_seconds) / (other.client_seconds + other.database_seconds)


@contextlib.contextmanager
def _metered(database_url: str) -> Iterator[list[_Cost]]:
    """The CPU and commits of the block; a backend's CPU is readable only while it lives, so the database's
    backends are sampled every 0.2 s (the block must not close its connections before it ends)."""
    name = database_url.rsplit("/", 1)[1]
    before = {pid: cpu_seconds(pid) for pid in _backend_pids(name)}
    latest = dict(before)
    done = threading.Event()

    def watch() -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            while not done.wait(0.2):
                for pid in _backend_pids(name, connection):
                    with contextlib.suppress(OSError):
                        latest[pid] = cpu_seconds(pid)

    commits, started = _commits(name), _own_cpu_seconds()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    cost: list[_Cost] = []
    try:
        yield cost
    finally:
        done.set()
        watcher.join()
    client = _own_cpu_seconds() - started
    for pid in list(latest):
        with contextlib.suppress(OSError):
            latest[pid] = cpu_seconds(pid)
    database = sum(seconds - before.get(pid, 0.0) for pid, seconds in latest.items())
    time.sleep(1.1)  # PostgreSQL 15 flushes a backend's counters at most once a second
    cost.append(_Cost(client, database, _commits(name) - commits))


def _own_cpu_seconds() -> float:
    """This process's CPU and its ended children's: the pull's read-ahead process (the local 1C server is
    waited for only after the measuring, so it is never counted)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _backend_pids(database: str, connection: psycopg.Connection[Any] | None = None) -> list[int]:
    query = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
    if connection is not None:
        return [int(row[0]) for row in connection.execute(query, (database,))]
    with psycopg.connect(ADMIN_URL, autocommit=True) as own:
        return _backend_pids(database, own)


def _commits(database: str) -> int:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        row = connection.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (database,)).fetchone()
    return int(row[0]) if row else 0


def _start_onec(orders: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "okno.sandbox.onec_trade", "--orders", str(orders), "--port", str(PORT)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{_url()}Catalog_Партнеры", params={"$top": "1"}, auth=("okno", "okno"), timeout=2)
        except httpx.HTTPError:
            time.sleep(0.5)
            continue
        # The local 1C sorts its documents on the first query in an order (its "index", seconds at 100 000
        # orders); a real 1C has that index already, so it is built before the clock starts.
        order = {"$orderby": f"{_MAPPING.position_field} asc,Ref_Key asc", "$top": "1", "$format": "json"}
        httpx.get(f"{_url()}{_MAPPING.document_set}", params=order, auth=("okno", "okno"), timeout=300)
        return server
    server.kill()
    raise RuntimeError("the local 1C server did not start")


def _url() -> str:
    return f"http://127.0.0.1:{PORT}/trade/odata/standard.odata/"


def _pull(database_url: str, page_size: int, namespace: str) -> tuple[float, PullSummary, _Cost]:
    upgrade("integrations", database_url)
    settings = IntegrationsSettings(database_url=database_url, redis_url=REDIS_URL, broker_namespace=namespace)
    runtime = integrations_wiring.build(settings, broker=make_broker(REDIS_URL, namespace=namespace))
    runtime.broker.declare_queue("order_confirm")
    with transaction(runtime.engine) as session:
        add_tenant(session, slug=TENANT, name="Bench", country="RU", now=runtime.clock())
        body = {"base_url": _url(), "username": "okno", "password": "okno", "page_size": page_size}
        set_erp_connection(session, TENANT, ErpConnectionIn.model_validate(body), now=runtime.clock())
    with _metered(database_url) as cost:
        started = time.perf_counter()
        summary = pull_tenant(runtime, TENANT, on_page=_progress)
        elapsed = time.perf_counter() - started
    print()
    runtime.engine.dispose()
    return elapsed, summary, cost[0]


def _progress(summary: PullSummary) -> None:
    print(f"\r  pulled {summary.created:>7} ({summary.pages} pages)", end="", flush=True)


def _bulk_insert(database_url: str, page_size: int) -> tuple[float, _Cost]:
    """The same rows the pull wrote, written again with nothing but multi-row INSERTs, one transaction per
    page, into tables emptied as the pull found them (TRUNCATE: no dead rows or index entries left behind)."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        documents = [dict(r._mapping) for r in connection.execute(text("SELECT * FROM erp_documents ORDER BY id"))]
        outbox = [dict(r._mapping) for r in connection.execute(text("SELECT * FROM integrations_outbox ORDER BY id"))]
        for table in (ErpDocument, OutboxMessage, ErpCursor):
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {table.__tablename__}"))
            else:
                connection.execute(delete(table))
    with _metered(database_url) as cost:
        started = time.perf_counter()
        for start in range(0, len(documents), page_size):
            with engine.begin() as connection:
                connection.execute(insert(ErpDocument), _rows(documents[start : start + page_size]))
                connection.execute(insert(OutboxMessage), _rows(outbox[start : start + page_size]))
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, cost[0]


def _rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "id"} for row in rows]


if __name__ == "__main__":
    main()
