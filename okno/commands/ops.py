"""Running Okno: `run`, `migrate`, `worker`, `scheduler`, `check`, `dead-letters`."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from services.common.encryption import SecretKeysMissing, ensure_key_file, keyring_from_settings
from services.common.logs import configure_logging
from services.common.migrations import SERVICES, upgrade
from services.common.runtime import Runtime
from services.common.settings import ServiceSettings

console = Console()
ServiceArg = Annotated[str, typer.Argument(help="order_confirm | integrations | notify")]


def _check_service(service: str) -> None:
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")


def run(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the console and all APIs")] = 8000,
    demo: Annotated[bool, typer.Option(help="Seed the demo tenant, operators and sandbox providers")] = True,
) -> None:
    """The embedded default: all three services in one process on one port, SQLite, in-process worker."""
    import uvicorn

    from okno.allocator import use_one_malloc_arena
    from okno.embedded import build_okno, create_embedded_app
    from okno.listening import PortUnavailable, base_url, listen
    from okno.one_write import OneWriteHttpProtocol
    from okno.startup import on_embedded_startup

    use_one_malloc_arena()  # before any thread: per-thread arenas kept freed memory (RSS grew with orders)

    try:
        sock = listen(host, port)  # before the database, the demo seed or the local 1C are touched
    except PortUnavailable as unavailable:
        console.print(f"[red]{unavailable.advice()}[/]", soft_wrap=True)
        raise typer.Exit(1) from None
    settings = ServiceSettings()
    configure_logging(settings.log_level)
    if keyring_from_settings(settings) is None:  # the embedded default keeps its key beside its SQLite file
        ensure_key_file(Path(settings.secret_key_file))
        console.print(f"Stored credentials are encrypted with the key in {settings.secret_key_file} (keep it)")
    url = base_url(host, port)
    okno = build_okno(sandbox=True, base_url=url)  # the demo's providers are the local sandboxes, asked for here
    app = create_embedded_app(okno, on_startup=on_embedded_startup(demo=demo, base_url=url))
    console.print(f"[bold]Okno[/] on {url}/console/  (database: {settings.database_url})")
    # Open live streams (SSE) would otherwise hold Ctrl+C for their whole lifetime.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=5,
        proxy_headers=False,  # OKNO_TRUSTED_PROXIES decides, in the apps (services/common/forwarded)
        http=OneWriteHttpProtocol,  # one socket write per response (okno/one_write.py)
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        raise typer.Exit(3)  # the startup failed; uvicorn logged why


def serve(
    service: ServiceArg,
    host: Annotated[str, typer.Option(help="Interface to bind")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
    limit_concurrency: Annotated[
        int | None, typer.Option(help="Answer 503 beyond this many open connections per process (shed load)")
    ] = None,
) -> None:
    """One service's API at the root path (production: one container per service, its workers separate)."""
    import uvicorn

    from okno.one_write import OneWriteHttpProtocol

    _check_service(service)
    configure_logging(ServiceSettings().log_level)
    _refuse_without_keys(service)
    uvicorn.run(
        f"okno.production:{service}_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        limit_concurrency=limit_concurrency,
        access_log=False,
        # Forwarding headers are for the apps to judge: OKNO_TRUSTED_PROXIES only (services/common/forwarded).
        proxy_headers=False,
        http=OneWriteHttpProtocol,  # one socket write per response (okno/one_write.py)
    )


def migrate(service: Annotated[str | None, typer.Argument(help="One service, or all")] = None) -> None:
    """Apply every service's Alembic migrations to its database."""
    from okno.registry import SERVICES as REGISTRY

    for name in [service] if service else list(SERVICES):
        _check_service(name)
        upgrade(name, REGISTRY[name].settings().database_url)
        console.print(f"migrated {name}")


def _runtime(service: str) -> Runtime[Any]:
    from okno.registry import SERVICES as REGISTRY

    try:
        return REGISTRY[service].runtime()
    except SecretKeysMissing as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None


def _refuse_without_keys(service: str) -> None:
    """Before uvicorn imports the app: one clear line instead of a traceback per worker process."""
    _runtime(service).engine.dispose()


def _stop_on_signals() -> threading.Event:
    """Set on SIGTERM (docker stop) or SIGINT (Ctrl+C)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def worker(service: ServiceArg, threads: Annotated[int, typer.Option(help="Worker threads")] = 8) -> None:
    """dramatiq worker for one service's queue (production: one container per service)."""
    import dramatiq

    _check_service(service)
    runtime = _runtime(service)
    configure_logging(runtime.settings.log_level)
    if runtime.settings.redis_url is None:
        raise typer.BadParameter("a worker process needs OKNO_REDIS_URL (the in-process broker lives in `okno run`)")
    stop = _stop_on_signals()
    consumer = dramatiq.Worker(runtime.broker, queues={runtime.queue.value}, worker_threads=threads)
    consumer.start()
    console.print(f"worker for {service} consuming queue {runtime.queue.value!r}")
    stop.wait()
    consumer.stop()


def scheduler() -> None:
    """Periodic jobs of all services: outbox sweeps, ERP pulls, due callbacks, expiring leases."""
    from okno.registry import SERVICES as REGISTRY
    from services.common.scheduler import run_jobs

    configure_logging(ServiceSettings().log_level)
    jobs = [job for name, service in REGISTRY.items() for job in service.periodic_jobs(_runtime(name))]
    stop = _stop_on_signals()
    console.print(f"scheduler running {len(jobs)} jobs")
    run_jobs(jobs, stop)


def check() -> None:
    """Print what is configured and whether each service's database and broker answer."""
    from services.common.health import database_reachable
    from services.common.messaging.broker import broker_reachable
    from services.common.settings import DEV_SERVICE_TOKEN

    table = Table("service", "database", "database ok", "broker", "broker ok", "messages")
    failures = 0
    for service in SERVICES:
        runtime = _runtime(service)
        db_ok, db_detail = database_reachable(runtime.engine)
        broker_ok, broker_detail = broker_reachable(runtime.broker)
        failures += (not db_ok) + (not broker_ok)
        table.add_row(
            service,
            runtime.engine.url.render_as_string(hide_password=True),
            db_detail,
            runtime.settings.redis_url or "in-process",
            broker_detail,
            _settlement_report(runtime) if db_ok else "-",
        )
        if runtime.settings.service_token == DEV_SERVICE_TOKEN:
            console.print(f"[yellow]warning[/]: {service} uses the development service token")
    console.print(table)
    raise typer.Exit(1 if failures else 0)


def _settlement_report(runtime: Runtime[Any]) -> str:
    """Published messages no consumer settled within the grace period, and re-sends so far."""
    from sqlmodel import Session

    try:
        with Session(runtime.engine) as session:
            overdue = runtime.settlement.overdue(session, runtime.clock())
            republished = runtime.settlement.republished(session)
    except Exception as error:  # e.g. a database not migrated yet: the rest of the check still answers
        return f"unreadable: {error.__class__.__name__}"
    if overdue:
        console.print(f"[yellow]warning[/]: {runtime.name} has {overdue} published messages no consumer settled")
    return f"{overdue} unsettled overdue, {republished} republished"


def dead_letters(
    service: ServiceArg,
    replay: Annotated[int | None, typer.Option(help="Replay the dead letter with this id")] = None,
) -> None:
    """List a service's dead letters, or replay one."""
    _check_service(service)
    runtime = _runtime(service)
    if replay is not None:
        row = runtime.dead_letters.replay(runtime.broker, replay)
        console.print(f"replayed {row.id} ({row.message_type} {row.message_id})")
        return
    table = Table("id", "failed at", "tenant", "type", "message id", "retries", "error")
    for row in runtime.dead_letters.list():
        table.add_row(
            str(row.id),
            row.failed_at.isoformat(),
            row.tenant,
            row.message_type,
            row.message_id,
            str(row.retries),
            row.error.strip().splitlines()[-1][:80],
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(serve)
    app.command()(migrate)
    app.command()(worker)
    app.command()(scheduler)
    app.command()(check)
    app.command("dead-letters")(dead_letters)
