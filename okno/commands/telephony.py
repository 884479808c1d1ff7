"""`okno telephony show|set|republish`: a shop's telephony settings and notify's routing projection.

`set` changes only the options given (the rest keep their values) and validates the whole set like the
admin API; the change reaches notify through order_confirm's outbox (published right away by a running
order_confirm, or by its outbox sweep). `republish` sends a tenant's whole projection again (idempotent).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from services.common.clock import utc_now
from services.common.db import make_engine, transaction
from services.common.problems import DomainError
from services.order_confirm.service import tenancy
from services.order_confirm.settings import OrderConfirmSettings
from services.order_confirm.telephony import tenant_settings
from services.order_confirm.telephony.projection import republish as projection
from services.order_confirm.telephony.projection import watch

telephony = typer.Typer(help="Telephony: a shop's numbers, routing, recording, service level.", no_args_is_help=True)
console = Console()
ACTOR = "system:cli"


def _fail(error: DomainError) -> typer.Exit:
    console.print(f"[red]error[/]: {error.detail}")
    for item in error.extra.get("errors", []):
        console.print(f"  {item['field']}: {item['message']}")
    return typer.Exit(1)


def show_settings(slug: str) -> tenant_settings.TelephonySettingsView:
    with transaction(make_engine(OrderConfirmSettings().database_url)) as session:
        tenant = tenancy.get_tenant(session, slug)
        assert tenant.id is not None
        return tenant_settings.read(session, frozenset({tenant.id}), tenant.id)


def change_settings(slug: str, changes: dict[str, Any]) -> tenant_settings.TelephonySettingsView:
    """Merge `changes` into the tenant's current settings and save the whole set (validated, audited)."""
    with transaction(make_engine(OrderConfirmSettings().database_url)) as session:
        tenant = tenancy.get_tenant(session, slug)
        assert tenant.id is not None
        current = tenant_settings.read(session, frozenset({tenant.id}), tenant.id)
        merged = current.model_dump(include=set(tenant_settings.SettingsDocument.model_fields))
        if not current.configured:
            merged["enabled"] = True
        merged.update({name: value for name, value in changes.items() if value is not None})
        document = tenant_settings.SettingsDocument.model_validate(merged)
        return tenant_settings.update(session, frozenset({tenant.id}), tenant.id, document, actor=ACTOR, now=utc_now())


def republish(slug: str | None) -> projection.Republished:
    with transaction(make_engine(OrderConfirmSettings().database_url)) as session:
        tenant_ids = None
        if slug is not None:
            tenant = tenancy.get_tenant(session, slug)
            tenant_ids = [tenant.id or 0]
        return projection.republish(watch.context(session), tenant_ids)


def _print(view: tenant_settings.TelephonySettingsView) -> None:
    table = Table("setting", "value")
    for name, value in view.model_dump(mode="json").items():
        table.add_row(name, str(value))
    console.print(table)


@telephony.command("show")
def show(tenant: Annotated[str, typer.Argument(help="Tenant slug")]) -> None:
    """Print the tenant's telephony settings (`configured: False` = never set, defaults shown)."""
    try:
        _print(show_settings(tenant))
    except DomainError as error:
        raise _fail(error) from None


@telephony.command("set")
def set_(
    tenant: Annotated[str, typer.Argument(help="Tenant slug")],
    number: Annotated[
        list[str] | None, typer.Option(help="The shop's number (repeat; the first is the caller ID)")
    ] = None,
    enabled: Annotated[bool | None, typer.Option("--enabled/--disabled", help="Switch telephony on or off")] = None,
    recording: Annotated[bool | None, typer.Option("--recording/--no-recording", help="Record calls")] = None,
    announcement: Annotated[
        bool | None, typer.Option("--announcement/--no-announcement", help="Tell customers calls are recorded")
    ] = None,
    announcement_text: Annotated[str | None, typer.Option(help="The notice's words")] = None,
    owner_wait: Annotated[int | None, typer.Option(help="Seconds a known customer's call waits for the owner")] = None,
    cover_wait: Annotated[int | None, typer.Option(help="Then seconds for the owner's cover")] = None,
    ring: Annotated[int | None, typer.Option(help="Seconds an offer to any other operator rings")] = None,
    retention_days: Annotated[int | None, typer.Option(help="Days recordings are kept")] = None,
    service_level_seconds: Annotated[int | None, typer.Option(help="Answered within = in service level")] = None,
    service_level_target: Annotated[int | None, typer.Option(help="Target share of service level, percent")] = None,
    short_abandon: Annotated[int | None, typer.Option(help="Abandons this quick (s) are counted apart")] = None,
    callback_offer: Annotated[
        bool | None, typer.Option("--callback-offer/--no-callback-offer", help="Offer a callback in the queue")
    ] = None,
    max_queue: Annotated[int | None, typer.Option(help="Seconds in the queue before a callback is promised")] = None,
    hold_music_url: Annotated[str | None, typer.Option(help="Hold music (default: Twilio's)")] = None,
) -> None:
    """Change the tenant's telephony settings (only the options given)."""
    changes = {
        "numbers": number or None,
        "enabled": enabled,
        "recording": recording,
        "announcement": announcement,
        "announcement_text": announcement_text,
        "owner_wait_seconds": owner_wait,
        "cover_wait_seconds": cover_wait,
        "ring_seconds": ring,
        "retention_days": retention_days,
        "service_level_seconds": service_level_seconds,
        "service_level_target_percent": service_level_target,
        "short_abandon_seconds": short_abandon,
        "callback_offer": callback_offer,
        "max_queue_seconds": max_queue,
        "hold_music_url": hold_music_url,
    }
    try:
        _print(change_settings(tenant, changes))
    except DomainError as error:
        raise _fail(error) from None
    except ValueError as error:  # pydantic's validation of a bound
        console.print(f"[red]error[/]: {error}")
        raise typer.Exit(1) from None


@telephony.command("republish")
def republish_command(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant (default: every tenant with telephony)")] = None,
) -> None:
    """Send notify the whole routing projection again (settings, presence, cover, customers); idempotent."""
    try:
        result = republish(tenant)
    except DomainError as error:
        raise _fail(error) from None
    console.print(
        f"{result.tenants} tenant(s): {result.messages_resent} message(s) sent again, "
        f"{result.changes_sent} change(s) found and sent"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(telephony, name="telephony")
