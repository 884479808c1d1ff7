"""`okno sync …`: connect a tenant's ERP or shop webhook URL, pull by hand, see and replay deliveries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.common.problems import DomainError

if TYPE_CHECKING:
    from services.integrations.runtime import IntegrationsRuntime
    from services.integrations.service.erp_pull import PullSummary

sync = typer.Typer(help="ERP sync and outbound deliveries of integrations.", no_args_is_help=True)
console = Console()
TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="Tenant slug")]


def _runtime() -> IntegrationsRuntime:
    from services.integrations import wiring as integrations_wiring

    return integrations_wiring.build()


@sync.command("pull")
def pull(
    tenant: TenantOption,
    max_pages: Annotated[int | None, typer.Option(help="Stop after this many pages")] = None,
) -> None:
    """Pull the tenant's pending orders from its ERP now, with progress and a summary."""
    from sqlmodel import select

    from services.common.db import transaction
    from services.integrations.adapters.erp.base import PullPosition
    from services.integrations.adapters.erp.providers import adapter_for
    from services.integrations.adapters.failures import RemoteFailure
    from services.integrations.models.erp import ErpConnection, ErpCursor
    from services.integrations.service.erp_pull import pull_tenant

    runtime = _runtime()
    with transaction(runtime.engine) as session:
        connection = session.exec(select(ErpConnection).where(ErpConnection.tenant == tenant)).first()
        cursor = session.get(ErpCursor, tenant)
    if connection is None:
        console.print(f"[red]erp_not_configured:[/] tenant {tenant!r} has no ERP connection (okno sync connect)")
        raise typer.Exit(2)
    position = PullPosition(cursor.position, tuple(cursor.keys_at_position)) if cursor else PullPosition()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        adapter = adapter_for(connection)
        total = adapter.pending_count(position)
        adapter.close()
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(f"pulling {tenant}", total=total)

            def on_page(summary: PullSummary) -> None:
                taken = summary.created + summary.updated + summary.unchanged + len(summary.skipped)
                progress.update(task, completed=taken, description=f"pulling {tenant} · page {summary.pages}")

            summary = pull_tenant(runtime, tenant, max_pages=max_pages, on_page=on_page)
    except RemoteFailure as error:
        console.print(f"[red]the ERP failed:[/] {error}")
        raise typer.Exit(1) from None
    except DomainError as error:
        console.print(f"[red]{error.code}:[/] {error.detail}")
        raise typer.Exit(2) from None
    _print_summary(summary)


def _print_summary(summary: PullSummary) -> None:
    table = Table("pages", "new", "updated", "unchanged", "skipped", "pulled in total", "caught up")
    table.add_row(
        str(summary.pages),
        str(summary.created),
        str(summary.updated),
        str(summary.unchanged),
        str(len(summary.skipped)),
        str(summary.pulled_total),
        "yes" if summary.exhausted else "no",
    )
    console.print(table)
    for key, reason in summary.skipped[:20]:
        console.print(f"[yellow]skipped[/] {key}: {reason}")


@sync.command("connect")
def connect(
    tenant: TenantOption,
    *,
    url: Annotated[str, typer.Option(help="OData root, e.g. https://1c.example.ru/trade/odata/standard.odata/")],
    username: Annotated[str, typer.Option(help="1C user with the OData role")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="1C user's password")],
    interval: Annotated[int, typer.Option(help="Seconds between scheduled pulls")] = 60,
    page_size: Annotated[int, typer.Option(help="Documents per request")] = 500,
) -> None:
    """Connect (or reconnect) a tenant's 1C with the ready "Управление торговлей 11" mapping."""
    from contracts.http.erp_sync import ErpConnectionIn
    from services.common.db import transaction
    from services.integrations.service.erp_config import set_erp_connection

    runtime = _runtime()
    body = ErpConnectionIn.model_validate(
        {
            "base_url": url,
            "username": username,
            "password": password,
            "pull_interval_seconds": interval,
            "page_size": page_size,
        }
    )
    try:
        with transaction(runtime.engine) as session:
            view = set_erp_connection(session, tenant, body, now=runtime.clock())
    except DomainError as error:
        console.print(f"[red]{error.code}:[/] {error.detail}")
        raise typer.Exit(2) from None
    console.print(f"connected {tenant} to {view.base_url} (pull every {view.pull_interval_seconds} s)")


@sync.command("webhook")
def webhook(
    tenant: TenantOption,
    url: Annotated[str, typer.Option(help="The shop's URL for outcome events")],
    event: Annotated[list[str] | None, typer.Option(help="Only these events (repeat); default all")] = None,
) -> None:
    """Send this tenant's outcome events to the shop's URL (Standard Webhooks signed); prints the secret."""
    from contracts.http.erp_sync import ShopWebhookIn
    from services.common.db import transaction
    from services.integrations.service.erp_config import set_shop_webhook

    runtime = _runtime()
    try:
        body = ShopWebhookIn.model_validate({"url": url, "events": event or []})
        with transaction(runtime.engine) as session:
            view = set_shop_webhook(session, tenant, body, now=runtime.clock())
    except (DomainError, ValueError) as error:
        console.print(f"[red]invalid:[/] {error}")
        raise typer.Exit(2) from None
    secret = f"verify them with secret {view.secret} (shown once)" if view.secret else "the secret is unchanged"
    console.print(f"{tenant}: events go to {view.url}; {secret}")


@sync.command("deliveries")
def deliveries(
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Tenant slug")] = None,
    status: Annotated[str | None, typer.Option(help="pending | delivered | dead")] = None,
    replay: Annotated[int | None, typer.Option(help="Replay this dead delivery")] = None,
) -> None:
    """The delivery log (newest first), or replay one dead letter."""
    from sqlmodel import Session

    from services.common.db import transaction
    from services.integrations.service import deliveries as service

    runtime = _runtime()
    if replay is not None:
        try:
            with transaction(runtime.engine) as session:
                row = service.replay(session, replay, tenant=tenant, now=runtime.clock())
        except DomainError as error:
            console.print(f"[red]{error.code}:[/] {error.detail}")
            raise typer.Exit(2) from None
        console.print(f"delivery {row.id} ({row.event_type} {row.message_id}) is pending again")
        return
    table = Table("id", "tenant", "target", "event", "document", "status", "tries", "last error")
    with Session(runtime.engine) as session:
        for row in service.list_deliveries(session, tenant=tenant, status=status):
            table.add_row(
                str(row.id),
                row.tenant,
                row.target,
                row.event_type,
                row.document_key,
                row.status,
                str(row.attempts),
                (row.last_error or "")[:60],
            )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(sync, name="sync")
