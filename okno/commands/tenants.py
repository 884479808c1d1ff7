"""`okno tenant add|rotate-secret|list` (`okno tenant policy` is in policy.py) and `okno operator add|status`.

A tenant lives in two services: order_confirm (name, time zone, policy) and integrations (webhook secrets,
which order_confirm never sees). This is composition code, so it calls both services' functions; each
service is written in its own transaction, order_confirm first, and re-running a half-done `tenant add`
completes it instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from services.common.clock import Clock, utc_now
from services.common.db import make_engine, transaction
from services.common.problems import DomainError
from services.integrations.service import tenants as integration_tenants
from services.integrations.settings import IntegrationsSettings
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.service import tenancy
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec
from services.order_confirm.settings import OrderConfirmSettings

console = Console()
ACTOR = "system:cli"


@dataclass(frozen=True)
class Engines:
    order_confirm: Engine
    integrations: Engine
    clock: Clock = utc_now

    @classmethod
    def from_settings(cls) -> Engines:
        return cls(
            make_engine(OrderConfirmSettings().database_url),
            make_engine(IntegrationsSettings().database_url),
        )


def add_tenant(engines: Engines, spec: TenantSpec, *, webhook_secret: str | None = None) -> str:
    """Create the tenant in both services; returns its webhook secret (shown once, to give to the shop)."""
    tenancy.check_tenant_spec(spec)
    if webhook_secret is not None:
        integration_tenants.check_webhook_secret(webhook_secret)
    with transaction(engines.order_confirm) as session:
        known_here = tenancy.find_tenant(session, spec.slug) is not None
    with transaction(engines.integrations) as session:
        known_there = integration_tenants.find_tenant(session, spec.slug) is not None
    if known_here and known_there:
        raise tenancy.TenantExists(f"Tenant {spec.slug!r} exists.")
    if not known_here:
        with transaction(engines.order_confirm) as session:
            tenancy.add_tenant(session, spec, now=engines.clock(), actor=ACTOR)
    with transaction(engines.integrations) as session:
        if known_there:
            return integration_tenants.get_tenant(session, spec.slug).webhook_secret
        tenant = integration_tenants.add_tenant(
            session,
            slug=spec.slug,
            name=spec.name,
            country=spec.country,
            now=engines.clock(),
            webhook_secret=webhook_secret,
        )
        return tenant.webhook_secret


def rotate_secret(engines: Engines, slug: str, *, grace: timedelta, new_secret: str | None = None) -> str:
    with transaction(engines.integrations) as session:
        tenant = integration_tenants.rotate_webhook_secret(
            session, slug, now=engines.clock(), grace=grace, new_secret=new_secret
        )
        return tenant.webhook_secret


def add_operator(engines: Engines, spec: OperatorSpec) -> int:
    with transaction(engines.order_confirm) as session:
        operator = tenancy.add_operator(session, spec, now=engines.clock(), actor=ACTOR)
        assert operator.id is not None
        return operator.id


def set_status(engines: Engines, login: str, status: OperatorStatus) -> None:
    with transaction(engines.order_confirm) as session:
        operator = tenancy.find_operator(session, login)
        if operator is None:
            raise tenancy.UnknownOperator(f"No operator {login!r}.")
        tenancy.set_operator_status(session, operator, status, now=engines.clock(), actor=ACTOR)


# --- the commands ---------------------------------------------------------------------------------------

tenant_app = typer.Typer(help="Tenants (shops): create, rotate the webhook secret, list, policy.", no_args_is_help=True)
operator_app = typer.Typer(help="Operators, supervisors, shop managers, admins.", no_args_is_help=True)


def _fail(error: DomainError) -> typer.Exit:
    console.print(f"[red]error[/]: {error.detail}")
    for item in error.extra.get("errors", []):
        console.print(f"  {item['field']}: {item['message']}")
    return typer.Exit(1)


@tenant_app.command("add")
def tenant_add(
    slug: Annotated[str, typer.Argument(help="Used in the webhook URL: /v1/webhooks/<slug>/orders")],
    *,
    name: Annotated[str, typer.Option(help="Shop name")],
    timezone: Annotated[str, typer.Option(help="IANA time zone of the shop")] = "Europe/Moscow",
    country: Annotated[str, typer.Option(help="ISO country: default region of phone numbers")] = "RU",
    language: Annotated[str, typer.Option(help="ru | en")] = "ru",
    webhook_secret: Annotated[str | None, typer.Option(help="whsec_… to use instead of a new random one")] = None,
) -> None:
    """Create a tenant in order_confirm and integrations; prints the webhook secret for the shop."""
    try:
        secret = add_tenant(
            Engines.from_settings(), TenantSpec(slug, name, timezone, country, language), webhook_secret=webhook_secret
        )
    except DomainError as error:
        raise _fail(error) from None
    console.print(f"tenant [bold]{slug}[/] ready; webhook: POST /v1/webhooks/{slug}/orders")
    console.print(f"webhook secret (give it to the shop, keep it secret): {secret}", soft_wrap=True)


@tenant_app.command("rotate-secret")
def tenant_rotate_secret(
    slug: str,
    grace_hours: Annotated[
        float | None, typer.Option(help="How long the old secret stays valid (default: OKNO_INTEGRATIONS_…)")
    ] = None,
) -> None:
    """Issue a new webhook secret; the previous one keeps working for the grace period."""
    hours = grace_hours if grace_hours is not None else IntegrationsSettings().webhook_previous_secret_hours
    try:
        secret = rotate_secret(Engines.from_settings(), slug, grace=timedelta(hours=hours))
    except DomainError as error:
        raise _fail(error) from None
    console.print(f"new webhook secret for {slug}: {secret}", soft_wrap=True)
    console.print(f"the previous secret stays valid for {hours:g} h")


@tenant_app.command("list")
def tenant_list() -> None:
    engines = Engines.from_settings()
    table = Table("slug", "name", "timezone", "country", "language")
    with transaction(engines.order_confirm) as session:
        for tenant in tenancy.list_tenants(session):
            table.add_row(tenant.slug, tenant.name, tenant.timezone, tenant.country, tenant.language)
    console.print(table)


@operator_app.command("add")
def operator_add(
    login: str,
    *,
    name: Annotated[str, typer.Option(help="Full name")],
    tenant: Annotated[list[str], typer.Option(help="Tenant slug (repeat for several)")],
    role: Annotated[Role, typer.Option(help="operator | supervisor | client_manager | qa | admin")] = Role.OPERATOR,
    capacity: Annotated[int, typer.Option(help="Most active customers this operator owns")] = 200,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create an operator (or supervisor, shop manager, admin) working for the given tenants."""
    spec = OperatorSpec(login, name, role, password, tuple(tenant), capacity)
    try:
        operator_id = add_operator(Engines.from_settings(), spec)
    except DomainError as error:
        raise _fail(error) from None
    console.print(f"{role.value} [bold]{login}[/] created (id {operator_id}) for {', '.join(tenant)}")


@operator_app.command("status")
def operator_status(login: str, status: OperatorStatus) -> None:
    """Put an operator on or off shift (on shift = may become owner of new customers)."""
    try:
        set_status(Engines.from_settings(), login, status)
    except DomainError as error:
        raise _fail(error) from None
    console.print(f"{login} is {status.value}")


def register(app: typer.Typer) -> None:
    from okno.commands.policy import policy_app

    tenant_app.add_typer(policy_app, name="policy")
    app.add_typer(tenant_app, name="tenant")
    app.add_typer(operator_app, name="operator")
