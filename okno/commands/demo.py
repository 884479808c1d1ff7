"""`okno demo send-order`: post a signed sample order to a running `okno run`, as a shop's site would."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from sqlalchemy import make_url

from okno.demo import DEMO_TENANT, DemoSettings, Owner, order_owner, sample_order, signed_request
from services.common.db import make_engine
from services.order_confirm.settings import OrderConfirmSettings

# Intake is asynchronous (integrations -> broker -> order_confirm); in `okno run` it takes well under a second.
OWNER_WAIT_SECONDS = 10.0

console = Console()
demo_app = typer.Typer(help="Try Okno by hand against `okno run`.", no_args_is_help=True)


@demo_app.command("send-order")
def send_order(
    url: Annotated[str, typer.Option(help="Base URL of `okno run`")] = "http://127.0.0.1:8000",
    external_id: Annotated[str | None, typer.Option(help="The shop's order number (default: random)")] = None,
    phone: Annotated[str, typer.Option(help="Customer phone; the same phone = the same customer")] = "+7 916 555-01-23",
    city: Annotated[str, typer.Option(help="Delivery city (decides the customer's time zone)")] = "Москва",
    method: Annotated[
        str, typer.Option(help="courier | express | same_day | pickup | pickup_point | post")
    ] = "courier",
    event: Annotated[str, typer.Option(help="order.created | order.updated | order.cancelled")] = "order.created",
    tenant: Annotated[str, typer.Option(help="Tenant slug")] = DEMO_TENANT.slug,
    secret: Annotated[str | None, typer.Option(help="Webhook secret (default: OKNO_DEMO_WEBHOOK_SECRET)")] = None,
) -> None:
    """Sign a sample order with the tenant's secret (Standard Webhooks) and post it to the order webhook."""
    document = sample_order(external_id, phone=phone, city=city, method=method, event=event)
    body, headers = signed_request(document, secret or DemoSettings().webhook_secret)
    endpoint = f"{url.rstrip('/')}/integrations/v1/webhooks/{tenant}/orders"
    try:
        response = httpx.post(endpoint, content=body.encode(), headers=headers, timeout=10)
    except httpx.HTTPError as error:
        console.print(f"[red]could not reach {endpoint}[/]: {error}")
        raise typer.Exit(1) from None
    console.print(f"{response.status_code} {response.text}", soft_wrap=True)
    if response.status_code != 202:
        raise typer.Exit(1)
    external_id = document["data"]["external_id"]
    console.print(f"order {external_id} sent; {_where_to_find(tenant, external_id)}", soft_wrap=True)


def _where_to_find(tenant: str, external_id: str) -> str:
    """Whose queue the order is in, read from the database of `okno run` (this directory's settings)."""
    url = OrderConfirmSettings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return f"its owner is not known here ({url} is not the database of that `okno run`)"
    engine = make_engine(url)
    deadline = time.monotonic() + OWNER_WAIT_SECONDS
    owner = order_owner(engine, tenant, external_id)
    while owner is False and time.monotonic() < deadline:
        time.sleep(0.2)
        owner = order_owner(engine, tenant, external_id)
    engine.dispose()
    if isinstance(owner, Owner):
        return f"its customer's owner is {owner.login} ({owner.name}): log in as {owner.login} to see it in the queue"
    if owner is None:
        return "no operator is on shift, so its customer waits in the unassigned pool (a supervisor sees it)"
    return f"it has not reached order_confirm within {OWNER_WAIT_SECONDS:.0f} s (is the worker running?)"


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")
