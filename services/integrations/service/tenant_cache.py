"""Tenants' webhook secrets kept in memory for a few seconds, so a webhook does not read its tenant each time.

A cached tenant is only a hint: the intake's write statement (intake_async.py) runs only if the tenant is
still active with the same `secret_rotated_at` as the cached copy. A rotation, even one that ends the old
secret at once (a leaked secret), is therefore honoured by the very next webhook, cached or not; the TTL
only bounds how long an unused entry lingers. A webhook whose signature fails against a cached copy is
checked again against a fresh read before it is refused (the shop may already sign with a new secret).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.integrations.models import IntegrationTenant
from services.integrations.service.tenants import UnknownTenant

TTL_SECONDS = 5.0
_T = IntegrationTenant.__table__.c  # type: ignore[attr-defined]
_BY_SLUG = select(
    _T.id,
    _T.slug,
    _T.webhook_secret,
    _T.previous_webhook_secret,
    _T.previous_secret_expires_at,
    _T.secret_rotated_at,
).where(_T.slug == bindparam("slug"), _T.active.is_(True))


@dataclass(frozen=True)
class TenantKeys:
    """What a webhook needs of its tenant; the field names are IntegrationTenant's (`tenants.valid_secrets`)."""

    id: int
    slug: str
    webhook_secret: str
    previous_webhook_secret: str | None
    previous_secret_expires_at: datetime | None
    secret_rotated_at: datetime | None
    read_at: float  # time.monotonic() of the read

    @property
    def secrets(self) -> tuple[str, str | None, datetime | None]:
        return self.webhook_secret, self.previous_webhook_secret, self.previous_secret_expires_at


class TenantCache:
    def __init__(self, ttl_seconds: float = TTL_SECONDS) -> None:
        self.ttl_seconds = ttl_seconds
        self._by_slug: dict[str, TenantKeys] = {}

    async def get(self, connection: AsyncConnection, slug: str) -> TenantKeys:
        """The cached tenant if young enough, else read now; 404 `unknown_tenant` for no active tenant."""
        cached = self._by_slug.get(slug)
        if cached is not None and time.monotonic() - cached.read_at < self.ttl_seconds:
            return cached
        return await self.refresh(connection, slug)

    async def refresh(self, connection: AsyncConnection, slug: str) -> TenantKeys:
        async with connection.begin():  # a read of its own, before (or between) the intake's transactions
            row = (await connection.execute(_BY_SLUG, {"slug": slug})).first()
        if row is None:
            self._by_slug.pop(slug, None)
            raise UnknownTenant(f"No tenant {slug!r}.")
        keys = TenantKeys(*row, read_at=time.monotonic())
        self._by_slug[slug] = keys
        return keys
