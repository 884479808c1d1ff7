"""The embedded default: all three services in one process, one SQLite file, one broker.

This module is the composition root: it may import every service; no service imports it.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import dramatiq
import structlog
from dramatiq.brokers.stub import StubBroker
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine

from services.common.capabilities import CapabilityState
from services.common.clock import Clock, utc_now
from services.common.db import make_engine
from services.common.messaging.broker import make_broker
from services.common.messaging.inprocess import use_in_process_delivery
from services.common.migrations import SERVICES, upgrade
from services.common.runtime import Runtime
from services.common.scheduler import PeriodicJob, start_in_thread
from services.common.settings import ServiceSettings
from services.integrations import app as integrations_app
from services.integrations import runtime as integrations_runtime
from services.integrations import schedule as integrations_schedule
from services.integrations import wiring as integrations_wiring
from services.integrations.sandboxes import PAYMENTS_SANDBOX
from services.integrations.settings import IntegrationsSettings
from services.notify import app as notify_app
from services.notify import runtime as notify_runtime
from services.notify import schedule as notify_schedule
from services.notify import wiring as notify_wiring
from services.notify.settings import NotifySettings
from services.order_confirm import app as order_confirm_app
from services.order_confirm import runtime as order_confirm_runtime
from services.order_confirm import schedule as order_confirm_schedule
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.settings import OrderConfirmSettings

log = structlog.get_logger(__name__)
AnySettings = TypeVar("AnySettings", bound=ServiceSettings)

# Where each service's app is mounted in the embedded process (in production each has its own host).
MOUNTS = {"order_confirm": "", "integrations": "/integrations", "notify": "/notify"}


@dataclass
class Okno:
    """The three runtimes of one process, sharing a broker (and, by default, a database)."""

    order_confirm: order_confirm_runtime.OrderConfirmRuntime
    integrations: integrations_runtime.IntegrationsRuntime
    notify: notify_runtime.NotifyRuntime
    broker: dramatiq.Broker
    stop_event: threading.Event = field(default_factory=threading.Event)
    worker: dramatiq.Worker | None = None

    @property
    def runtimes(self) -> list[Runtime[Any]]:
        return [self.order_confirm, self.integrations, self.notify]

    def periodic_jobs(self) -> list[PeriodicJob]:
        return [
            *order_confirm_schedule.periodic_jobs(self.order_confirm),
            *integrations_schedule.periodic_jobs(self.integrations),
            *notify_schedule.periodic_jobs(self.notify),
        ]

    def start_background(self, *, worker_threads: int = 4, scheduler: bool = True, worker: bool | None = None) -> None:
        """Start the worker threads (always for the in-process broker) and the scheduler thread."""
        if worker if worker is not None else self.in_process_broker:
            self.worker = dramatiq.Worker(self.broker, worker_threads=worker_threads, worker_timeout=100)
            self.worker.start()
        if scheduler:
            start_in_thread(self.periodic_jobs(), self.stop_event)

    def stop(self) -> None:
        self.stop_event.set()
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    @property
    def in_process_broker(self) -> bool:
        return isinstance(self.broker, StubBroker)


def build_okno(
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    broker_namespace: str | None = None,
    clock: Clock = utc_now,
    migrate: bool = True,
    sandbox: bool | None = None,
    base_url: str | None = None,
) -> Okno:
    """The three runtimes in one process. `sandbox` asks for the local sandbox providers (`okno run` and tests
    do); None reads `OKNO_SANDBOX` / `OKNO_<SERVICE>_SANDBOX` like production. `base_url` is where this process
    listens: every URL by which a service reaches itself or a neighbour follows it, unless set in the
    environment (behind a proxy, Twilio must see the public URL)."""
    shared = ServiceSettings()
    namespace = broker_namespace or shared.broker_namespace
    database_url = database_url or shared.database_url
    redis_url = redis_url if redis_url is not None else shared.redis_url
    if migrate:
        for service in SERVICES:
            upgrade(service, database_url)
    engine: Engine = make_engine(
        database_url, pool_size=shared.db_pool_size, pool_recycle=shared.db_pool_recycle_seconds
    )
    broker = make_broker(
        redis_url,
        namespace=namespace,
        heartbeat_timeout_seconds=shared.broker_heartbeat_timeout_seconds,
        requeue_seconds=shared.broker_requeue_seconds,
    )
    overrides: dict[str, Any] = {"database_url": database_url, "redis_url": redis_url, "broker_namespace": namespace}
    if sandbox is not None:
        overrides["sandbox"] = sandbox
    urls = self_urls(base_url) if base_url is not None else {}
    order_confirm = following(OrderConfirmSettings(**overrides), urls.get(OrderConfirmSettings, {}))
    integrations = following(IntegrationsSettings(**overrides), urls.get(IntegrationsSettings, {}))
    notify = following(NotifySettings(**overrides), urls.get(NotifySettings, {}))
    okno = Okno(
        order_confirm=order_confirm_wiring.build(order_confirm, engine=engine, broker=broker, clock=clock),
        integrations=integrations_wiring.build(integrations, engine=engine, broker=broker, clock=clock),
        notify=notify_wiring.build(notify, engine=engine, broker=broker, clock=clock),
        broker=broker,
    )
    if okno.in_process_broker:
        use_in_process_delivery(broker, [runtime.outbox for runtime in okno.runtimes])
    return okno


def self_urls(base_url: str) -> dict[type[ServiceSettings], dict[str, str]]:
    """Each service's settings that name a URL of this process (its own or a neighbour's mount)."""
    base = base_url.rstrip("/")
    return {
        OrderConfirmSettings: {
            "public_url": base + MOUNTS["order_confirm"],
            "integrations_url": base + MOUNTS["integrations"],
            "notify_url": base + MOUNTS["notify"],
        },
        NotifySettings: {"public_base_url": base + MOUNTS["notify"]},
    }


def following(settings: AnySettings, urls: dict[str, str]) -> AnySettings:
    """`settings` with `urls` in place of every field the environment left at its default."""
    chosen = settings.model_fields_set
    return settings.model_copy(update={name: url for name, url in urls.items() if name not in chosen})


def create_embedded_app(okno: Okno, *, on_startup: Callable[[Okno], None] | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        okno.start_background()
        if on_startup is not None:
            on_startup(okno)
        try:
            yield
        finally:
            okno.stop()

    app = FastAPI(title="Okno (embedded)", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.okno = okno

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/console/")

    app.mount(MOUNTS["integrations"], integrations_app.create_app(okno.integrations))
    app.mount(MOUNTS["notify"], notify_app.create_app(okno.notify))
    if okno.integrations.capabilities.state(PAYMENTS_SANDBOX) is CapabilityState.SANDBOX:
        from okno.sandbox import same_day_demo

        app.mount(same_day_demo.MOUNT, same_day_demo.sandbox_app(okno))  # the sandbox payment provider and pay page
    app.mount("/", order_confirm_app.create_app(okno.order_confirm))
    return app
