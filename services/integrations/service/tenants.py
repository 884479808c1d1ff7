"""Tenants as integrations knows them: created by `okno tenant add`, secrets rotated by `okno tenant rotate-secret`."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session, select

from services.common.problems import Conflict, NotFound, Unprocessable
from services.integrations.models import IntegrationTenant

SECRET_PREFIX = "whsec_"
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class UnknownTenant(NotFound):
    code, title = "unknown_tenant", "No such tenant"


class TenantExists(Conflict):
    code, title = "tenant_exists", "A tenant with this slug exists"


class InvalidWebhookSecret(Unprocessable):
    code, title = "invalid_webhook_secret", "The webhook secret is not a whsec_ base64 key"


def new_webhook_secret() -> str:
    """24 random bytes, written the Standard Webhooks way."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def check_webhook_secret(secret: str) -> str:
    key = secret.removeprefix(SECRET_PREFIX)
    try:
        decoded = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidWebhookSecret("The part after whsec_ must be standard base64.") from None
    if not secret.startswith(SECRET_PREFIX) or len(decoded) < 16:
        raise InvalidWebhookSecret("Use whsec_ followed by base64 of at least 16 random bytes.")
    return secret


def check_slug(slug: str) -> str:
    if not SLUG_PATTERN.match(slug):
        raise Unprocessable("A tenant slug is 1-64 lowercase letters, digits and inner hyphens.", field="slug")
    return slug


def add_tenant(
    session: Session,
    *,
    slug: str,
    name: str,
    country: str,
    now: datetime,
    webhook_secret: str | None = None,
) -> IntegrationTenant:
    if find_tenant(session, slug) is not None:
        raise TenantExists(f"Tenant {slug!r} exists in integrations.")
    tenant = IntegrationTenant(
        slug=check_slug(slug),
        name=name,
        country=country.upper(),
        webhook_secret=check_webhook_secret(webhook_secret or new_webhook_secret()),
        created_at=now,
    )
    session.add(tenant)
    session.flush()
    return tenant


def ensure_tenant(
    session: Session, *, slug: str, name: str, country: str, webhook_secret: str, now: datetime
) -> IntegrationTenant:
    """Idempotent: the demo seeding runs at every start and must leave an existing tenant's secret alone."""
    return find_tenant(session, slug) or add_tenant(
        session, slug=slug, name=name, country=country, now=now, webhook_secret=webhook_secret
    )


def rotate_webhook_secret(
    session: Session,
    slug: str,
    *,
    now: datetime,
    grace: timedelta,
    new_secret: str | None = None,
) -> IntegrationTenant:
    """The current secret becomes the previous one (valid for `grace`); the new one is valid at once."""
    tenant = get_tenant(session, slug)
    tenant.previous_webhook_secret = tenant.webhook_secret
    tenant.previous_secret_expires_at = now + grace
    tenant.webhook_secret = check_webhook_secret(new_secret or new_webhook_secret())
    tenant.secret_rotated_at = now
    session.add(tenant)
    session.flush()
    return tenant


class HasWebhookSecrets(Protocol):
    @property
    def webhook_secret(self) -> str: ...
    @property
    def previous_webhook_secret(self) -> str | None: ...
    @property
    def previous_secret_expires_at(self) -> datetime | None: ...


def valid_secrets(tenant: HasWebhookSecrets, now: datetime) -> list[str]:
    """The secrets a webhook may be signed with right now: current, and previous during its grace period."""
    valid = [tenant.webhook_secret]
    expires = tenant.previous_secret_expires_at
    if tenant.previous_webhook_secret and expires is not None and now < expires:
        valid.append(tenant.previous_webhook_secret)
    return valid


def find_tenant(session: Session, slug: str) -> IntegrationTenant | None:
    return session.exec(select(IntegrationTenant).where(IntegrationTenant.slug == slug)).first()


def get_tenant(session: Session, slug: str) -> IntegrationTenant:
    tenant = find_tenant(session, slug)
    if tenant is None or not tenant.active:
        raise UnknownTenant(f"No tenant {slug!r}.")
    return tenant
