"""Setting a tenant's ERP connection and shop webhook URL (admin scope; secrets stay in integrations)."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session, select

from contracts.http.erp_sync import ErpConnectionIn, ErpConnectionOut, ShopWebhookIn, ShopWebhookOut
from services.common.problems import NotFound, Unprocessable
from services.common.problems import validation_errors as field_errors
from services.integrations.adapters.erp.providers import normalized_mapping
from services.integrations.models.deliveries import ShopWebhookEndpoint
from services.integrations.models.erp import ErpConnection, ErpCursor
from services.integrations.service.tenants import get_tenant, new_webhook_secret


class InvalidErpMapping(Unprocessable):
    code, title = "invalid_erp_mapping", "The ERP field mapping is not valid"


class ShopWebhookNotConfigured(NotFound):
    code, title = "shop_webhook_not_configured", "This tenant has no shop webhook URL"


class ErpConnectionNotConfigured(NotFound):
    code, title = "erp_not_configured", "This tenant has no ERP connection"


def set_erp_connection(session: Session, tenant: str, body: ErpConnectionIn, *, now: datetime) -> ErpConnectionOut:
    get_tenant(session, tenant)
    try:
        mapping = normalized_mapping(body.kind, body.mapping)
    except ValidationError as error:
        raise InvalidErpMapping(
            "Fix the mapping fields listed in `errors`.", errors=field_errors(error.errors())
        ) from None
    connection = session.exec(select(ErpConnection).where(ErpConnection.tenant == tenant)).first()
    connection = connection or ErpConnection(tenant=tenant, base_url="", username="", password="", created_at=now)
    connection.kind = body.kind
    connection.base_url = str(body.base_url)
    connection.username = body.username
    connection.password = body.password
    connection.mapping = mapping
    connection.pull_interval_seconds = body.pull_interval_seconds
    connection.page_size = body.page_size
    connection.enabled = body.enabled
    connection.updated_at = now
    session.add(connection)
    session.flush()
    return erp_connection_view(session, tenant)


def erp_connection_view(session: Session, tenant: str) -> ErpConnectionOut:
    connection = session.exec(select(ErpConnection).where(ErpConnection.tenant == tenant)).first()
    if connection is None:
        raise ErpConnectionNotConfigured(f"Tenant {tenant!r} has no ERP connection.")
    cursor = session.get(ErpCursor, tenant) or ErpCursor(tenant=tenant)
    return ErpConnectionOut(
        tenant=tenant,
        kind=connection.kind,
        base_url=connection.base_url,
        username=connection.username,
        mapping=connection.mapping,
        pull_interval_seconds=connection.pull_interval_seconds,
        page_size=connection.page_size,
        enabled=connection.enabled,
        position=cursor.position,
        pulled_total=cursor.pulled_total,
        last_finished_at=cursor.last_finished_at,
        last_error=cursor.last_error,
    )


def set_shop_webhook(session: Session, tenant: str, body: ShopWebhookIn, *, now: datetime) -> ShopWebhookOut:
    get_tenant(session, tenant)
    endpoint = session.exec(select(ShopWebhookEndpoint).where(ShopWebhookEndpoint.tenant == tenant)).first()
    generated = new_webhook_secret() if endpoint is None and body.secret is None else None
    endpoint = endpoint or ShopWebhookEndpoint(tenant=tenant, url="", secret=generated or "", created_at=now)
    endpoint.url = str(body.url)
    endpoint.events = list(body.events)
    endpoint.secret = body.secret or endpoint.secret
    endpoint.enabled = body.enabled
    endpoint.updated_at = now
    session.add(endpoint)
    session.flush()
    # A secret is shown once, in the answer that made it; one the caller sent or set before is never echoed.
    return shop_webhook_view(session, tenant).model_copy(update={"secret": generated})


def shop_webhook_view(session: Session, tenant: str) -> ShopWebhookOut:
    endpoint = session.exec(select(ShopWebhookEndpoint).where(ShopWebhookEndpoint.tenant == tenant)).first()
    if endpoint is None:
        raise ShopWebhookNotConfigured(f"Tenant {tenant!r} has no shop webhook URL.")
    return ShopWebhookOut(tenant=tenant, url=endpoint.url, events=endpoint.events, enabled=endpoint.enabled)
