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
from typing import Any

from services.common.encryption import keyring_for
from services.integrations.models import IntegrationTenant
from services.integrations.models.base import SERVICE
from services.integrations.service.tenants import UnknownTenant

TTL_SECONDS = 5.0
# asyncpg's parameter style: read on the hot path's driver connection (db_async.pooled_driver), in autocommit.
_BY_SLUG = f"""
SELECT id, slug, webhook_secret, previous_webhook_secret, previous_secret_expires_at, secret_rotated_at
FROM {IntegrationTenant.__tablename__} WHERE slug = $1 AND active
"""


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

    async def get(self, driver: Any, slug: str) -> TenantKeys:
        """The cached tenant if young enough, else read now; 404 `unknown_tenant` for no active tenant."""
        cached = self._by_slug.get(slug)
        if cached is not None and time.monotonic() - cached.read_at < self.ttl_seconds:
            return cached
        return await self.refresh(driver, slug)

    async def refresh(self, driver: Any, slug: str) -> TenantKeys:
        """Read the tenant now (`driver`: an asyncpg connection); one statement, its own transaction."""
        row = await driver.fetchrow(_BY_SLUG, slug)
        if row is None:
            self._by_slug.pop(slug, None)
            raise UnknownTenant(f"No tenant {slug!r}.")
        keyring = keyring_for(SERVICE)  # the secrets are sealed at rest (a `Sealed` column opens them for the ORM)
        previous = row["previous_webhook_secret"]
        keys = TenantKeys(
            id=row["id"],
            slug=row["slug"],
            webhook_secret=keyring.open(row["webhook_secret"]),
            previous_webhook_secret=None if previous is None else keyring.open(previous),
            previous_secret_expires_at=row["previous_secret_expires_at"],
            secret_rotated_at=row["secret_rotated_at"],
            read_at=time.monotonic(),
        )
        self._by_slug[slug] = keys
        return keys
