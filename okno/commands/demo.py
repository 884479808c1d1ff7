"""`okno demo send-order`: post a signed sample order to a running `okno run`, as a shop's site would."""

from __future__ import annotations

from typing import Annotated

import httpx
import typer
from rich.console import Console

from okno.demo import DEMO_TENANT, DemoSettings, sample_order, signed_request

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
    console.print(f"order {document['data']['external_id']} sent; log in as op1 to see it in the queue")


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")
