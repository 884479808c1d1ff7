"""`okno same-day courier|payments|sms-template|show`: a shop's courier, payment provider and SMS wording.

Settings are JSON files (see docs/same-day.md for each provider's keys); they are validated before they
are stored, and `show` never prints a secret.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import Session, select

from services.common.capabilities import Capabilities
from services.common.clock import utc_now
from services.common.db import make_engine, transaction
from services.common.problems import DomainError
from services.integrations.models import CourierSetup, PaymentSetup
from services.integrations.sandboxes import declare_capabilities
from services.integrations.service.provider_setup import configure_courier, configure_payments
from services.integrations.settings import IntegrationsSettings
from services.notify.settings import NotifySettings
from services.notify.sms.service import set_template
from services.notify.sms.text import DEFAULTS, PLACEHOLDERS

same_day = typer.Typer(help="Same-day delivery: couriers, payment providers, SMS texts.", no_args_is_help=True)
console = Console()
_SECRET_WORDS = ("secret", "key", "token", "password")

SettingsFile = Annotated[Path, typer.Option("--settings", exists=True, dir_okay=False, help="JSON settings file")]


@same_day.command("courier")
def courier(
    tenant: Annotated[str, typer.Argument(help="Tenant slug")],
    provider: Annotated[str, typer.Argument(help="own | cdek")],
    settings: SettingsFile,
) -> None:
    """Set the tenant's same-day courier (zones, cut-off, windows with capacity and price; CDEK credentials)."""
    engine = make_engine(IntegrationsSettings().database_url)
    _run(lambda: _in(engine, lambda s: configure_courier(s, tenant, provider, _json(settings), now=utc_now())))
    console.print(f"[green]Courier for {tenant}: {provider}[/]")


@same_day.command("payments")
def payments(
    tenant: Annotated[str, typer.Argument(help="Tenant slug")],
    provider: Annotated[str, typer.Argument(help="yookassa | stripe | sandbox")],
    settings: SettingsFile,
    link_ttl: Annotated[int, typer.Option(help="Minutes a payment link stays valid")] = 30,
) -> None:
    """Set the tenant's payment provider and how long its payment links live."""
    integrations = IntegrationsSettings()
    engine = make_engine(integrations.database_url)
    capabilities = Capabilities()
    declare_capabilities(integrations, capabilities)  # `sandbox` only where sandboxes are on
    body = _json(settings)

    def save(session: Session) -> None:
        configure_payments(
            session, tenant, provider, body, link_ttl_minutes=link_ttl, now=utc_now(), capabilities=capabilities
        )

    _run(lambda: _in(engine, save))
    console.print(f"[green]Payments for {tenant}: {provider}, links valid {link_ttl} min[/]")


@same_day.command("sms-template")
def sms_template(
    tenant: Annotated[str, typer.Argument(help="Tenant slug")],
    template: Annotated[str, typer.Argument(help="payment_link")],
    language: Annotated[str, typer.Argument(help="ru | en | ...")],
    text: Annotated[str, typer.Argument(help="Text with {order} {amount} {url} {expires} {customer}")],
) -> None:
    """Word a template the tenant's way in one language."""
    if template not in DEFAULTS:
        raise typer.BadParameter(f"unknown template {template!r}; known: {', '.join(DEFAULTS)}")
    if "{url}" not in text and template == "payment_link":
        raise typer.BadParameter("a payment-link text must contain {url}")
    unknown = set(_placeholders(text)) - PLACEHOLDERS[template]
    if unknown:
        raise typer.BadParameter(f"unknown placeholders: {', '.join(sorted(unknown))}")
    engine = make_engine(NotifySettings().database_url)
    _in(engine, lambda s: set_template(s, tenant, template, language, text, now=utc_now()))
    console.print(f"[green]{template}/{language} for {tenant} saved[/]")


@same_day.command("show")
def show(tenant: Annotated[str, typer.Argument(help="Tenant slug")]) -> None:
    """The tenant's courier and payment setup, secrets masked."""
    with Session(make_engine(IntegrationsSettings().database_url)) as session:
        courier_row = session.exec(select(CourierSetup).where(CourierSetup.tenant == tenant)).first()
        payment_row = session.exec(select(PaymentSetup).where(PaymentSetup.tenant == tenant)).first()
    console.print_json(
        json.dumps(
            {
                "courier": courier_row and {"provider": courier_row.provider, **_masked(courier_row.settings)},
                "payments": payment_row
                and {
                    "provider": payment_row.provider,
                    "link_ttl_minutes": payment_row.link_ttl_minutes,
                    **_masked(payment_row.settings),
                },
            }
        )
    )


def _json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise typer.BadParameter(f"{path} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise typer.BadParameter(f"{path} must hold a JSON object")
    return value


def _masked(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: "***" if any(word in k for word in _SECRET_WORDS) else v for k, v in settings.items()}


def _placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def _in(engine: Engine, apply: Callable[[Session], None]) -> None:
    with transaction(engine) as session:
        apply(session)


def _run(action: Callable[[], None]) -> None:
    try:
        action()
    except DomainError as error:
        console.print(f"[red]{error.code}: {error.detail}[/]")
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.add_typer(same_day, name="same-day")
