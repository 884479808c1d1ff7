"""The fault campaign: the installation, the faults on a timeline while a shop sends its webhooks, the count."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from bench.faults.cluster import LocalOneC, OknoProcess, PrivatePostgres, PrivateRedis, free_port, wait_for
from bench.faults.shop import Shop
from services.common.encryption import new_key

SHOP, ERP_SHOP = "fault-shop", "fault-erp"
SECRET = "whsec_ZmF1bHQtY2FtcGFpZ24tc2VjcmV0LTAwMDAwMA=="


@dataclass(frozen=True)
class Plan:
    webhooks: int = 500
    rate: float = 6.0  # webhooks per second: 500 take ~85 s, across every fault below
    erp_orders: int = 100
    redis_down: float = 30.0
    postgres_down: float = 20.0
    erp_down: float = 20.0
    redis_loses_data: bool = False
    grace_seconds: float = 60.0  # settlement's grace period in this run (production default: 900 s)
    patience: float = 600.0  # how long to wait for every acknowledged order after the last fault


@dataclass
class Installation:
    root: Path
    postgres: PrivatePostgres
    redis: PrivateRedis
    onec: LocalOneC
    api_port: int
    processes: dict[str, OknoProcess] = field(default_factory=dict)
    secret_keys: str = field(default_factory=new_key)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"


@dataclass
class Timeline:
    started: float = field(default_factory=time.monotonic)
    events: list[tuple[float, str]] = field(default_factory=list)

    def note(self, what: str) -> None:
        self.events.append((time.monotonic() - self.started, what))
        print(f"  t={self.events[-1][0]:6.1f} s  {what}", flush=True)


def install(plan: Plan) -> Installation:
    root = Path(tempfile.mkdtemp(prefix="okno-faults-"))
    postgres = PrivatePostgres(root)
    postgres.create()
    redis = PrivateRedis(root)
    redis.start()
    onec = LocalOneC(plan.erp_orders)
    onec.start()
    installation = Installation(root, postgres, redis, onec, free_port())
    _migrate_and_seed(installation)
    _processes(installation, plan)
    for process in installation.processes.values():
        process.start()
    wait_for(lambda: httpx.get(f"{installation.api_url}/healthz").status_code == 200, timeout=90, what="the API")
    return installation


def _migrate_and_seed(installation: Installation) -> None:
    from contracts.http.erp_sync import ErpConnectionIn
    from okno.commands.tenants import Engines, add_tenant
    from services.common.db import make_engine, transaction
    from services.common.migrations import SERVICES, upgrade
    from services.integrations.service.erp_config import set_erp_connection
    from services.order_confirm.service.tenancy import TenantSpec

    url = installation.postgres.url
    os.environ["OKNO_SECRET_KEYS"] = installation.secret_keys  # seals the ERP password written below
    for service in SERVICES:
        upgrade(service, url)
    engine = make_engine(url)
    engines = Engines(engine, engine)
    add_tenant(engines, TenantSpec(SHOP, "Fault shop"), webhook_secret=SECRET)
    add_tenant(engines, TenantSpec(ERP_SHOP, "Fault ERP shop"))
    body = {"base_url": installation.onec.base_url, "username": "okno", "password": "okno", "page_size": 25}
    with transaction(engine) as session:
        set_erp_connection(session, ERP_SHOP, ErpConnectionIn.model_validate(body), now=engines.clock())
    engine.dispose()


def _processes(installation: Installation, plan: Plan) -> None:
    logs = installation.root / "logs"
    logs.mkdir()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    env = inherited | {
        "OKNO_DATABASE_URL": installation.postgres.url,
        "OKNO_REDIS_URL": installation.redis.url,
        "OKNO_SERVICE_TOKEN": secrets.token_urlsafe(24),
        "OKNO_SECRET_KEYS": installation.secret_keys,
        "OKNO_LOG_LEVEL": "WARNING",
        "OKNO_DB_POOL_SIZE": "4",
        "OKNO_OUTBOX_SETTLE_GRACE_SECONDS": str(plan.grace_seconds),
        "OKNO_OUTBOX_RECONCILE_SECONDS": "10",
    }
    commands = {
        "api-integrations": ["serve", "integrations", "--host", "127.0.0.1", "--port", str(installation.api_port)],
        "worker-order_confirm-1": ["worker", "order_confirm", "--threads", "4"],
        "worker-order_confirm-2": ["worker", "order_confirm", "--threads", "4"],
        "worker-integrations": ["worker", "integrations", "--threads", "2"],
        "worker-notify": ["worker", "notify", "--threads", "2"],
        "scheduler": ["scheduler"],
    }
    for name, args in commands.items():
        installation.processes[name] = OknoProcess(name, args, env, logs)


def faults(installation: Installation, plan: Plan) -> list[tuple[float, str, Callable[[], None]]]:
    """(seconds after the first webhook, what, action): every fault of issue 12's campaign."""
    worker, api = installation.processes["worker-order_confirm-1"], installation.processes["api-integrations"]
    redis, postgres, onec = installation.redis, installation.postgres, installation.onec
    t_redis, t_pg = 20.0, 20.0 + plan.redis_down + 5.0
    return [
        (0.0, "ERP (local 1C) hangs (SIGSTOP)", onec.freeze),
        (plan.erp_down, "ERP answers again (SIGCONT)", onec.thaw),
        (8.0, "SIGKILL okno worker order_confirm (1 of 2)", worker.kill),
        (12.0, "okno worker order_confirm restarted", worker.start),
        (14.0, "SIGKILL okno serve integrations (the webhook API)", api.kill),
        (16.0, "okno serve integrations restarted", api.start),
        (t_redis, "Redis killed (SIGKILL)", lambda: redis.crash(lose_data=plan.redis_loses_data)),
        (t_redis + plan.redis_down, "Redis started" + (" empty" if plan.redis_loses_data else ""), redis.start),
        (t_pg, "PostgreSQL stopped (immediate)", postgres.crash),
        (t_pg + plan.postgres_down, "PostgreSQL started (crash recovery)", postgres.start),
    ]


def play(timeline: Timeline, steps: list[tuple[float, str, Callable[[], None]]]) -> threading.Thread:
    def run() -> None:
        for at, what, action in sorted(steps, key=lambda step: step[0]):
            time.sleep(max(0.0, timeline.started + at - time.monotonic()))
            action()
            timeline.note(what)

    thread = threading.Thread(target=run, name="faults", daemon=True)
    thread.start()
    return thread


@dataclass
class Count:
    webhook_orders: dict[str, int]  # external id -> rows
    erp_orders: dict[str, int]
    republished: int


def count(installation: Installation) -> Count:
    query = """SELECT t.slug, o.external_id, count(*) FROM orders o JOIN tenants t ON t.id = o.tenant_id
               GROUP BY t.slug, o.external_id"""
    orders: dict[str, dict[str, int]] = {SHOP: {}, ERP_SHOP: {}}
    with psycopg.connect(installation.postgres.url, connect_timeout=3) as connection:
        for slug, external_id, rows in connection.execute(query):
            orders.setdefault(slug, {})[external_id] = int(rows)
        republished = 0
        for table in ("order_confirm_outbox", "integrations_outbox", "notify_outbox"):
            row = connection.execute(f"SELECT coalesce(sum(republish_count), 0) FROM {table}").fetchone()
            republished += int(row[0]) if row else 0
    return Count(orders[SHOP], orders[ERP_SHOP], republished)


def wait_for_every_order(installation: Installation, shop: Shop, plan: Plan) -> tuple[Count, float | None]:
    """Poll until every acknowledged webhook order and every ERP order is present; when that happened."""
    deadline = time.monotonic() + plan.patience
    latest: Count | None = None
    while time.monotonic() < deadline:
        try:
            latest = count(installation)
        except psycopg.Error:
            time.sleep(1)
            continue
        acknowledged = {w.external_id for w in shop.acknowledged}
        if acknowledged <= latest.webhook_orders.keys() and len(latest.erp_orders) >= plan.erp_orders:
            return latest, time.monotonic()
        time.sleep(1)
    assert latest is not None, "the database never answered"
    return latest, None


def teardown(installation: Installation) -> None:
    for process in installation.processes.values():
        process.stop()
    installation.onec.stop()
    installation.redis.crash()
    installation.postgres.remove()
    shutil.rmtree(installation.root, ignore_errors=True)
