"""A tenant as integrations knows it: its slug, its country and the secrets its shop signs webhooks with.

Webhook secrets live only here; order_confirm never reads them. During a rotation two secrets are valid:
the new one, and the previous one until `previous_secret_expires_at`, so the shop can switch at its pace.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from services.common.encryption import sealed_field
from services.common.types import utc_field
from services.integrations.models.base import SERVICE, IntegrationsModel


class IntegrationTenant(IntegrationsModel, table=True):
    __tablename__ = "integration_tenants"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    country: str = Field(max_length=2, default="RU")
    # "whsec_" + base64 key, as the Standard Webhooks spec writes it; sealed at rest (services/common/encryption)
    webhook_secret: str = sealed_field(SERVICE)
    previous_webhook_secret: str | None = sealed_field(SERVICE, nullable=True, default=None)
    previous_secret_expires_at: datetime | None = utc_field(nullable=True, default=None)
    secret_rotated_at: datetime | None = utc_field(nullable=True, default=None)
    active: bool = True
    created_at: datetime = utc_field()
