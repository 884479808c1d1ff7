"""ERP connections of tenants, the durable pull cursor, and the documents pulled so far.

The password of an ERP connection lives only in integrations; order_confirm never sees it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field

from services.common.encryption import sealed_field
from services.common.types import json_field, utc_field
from services.integrations.models.base import SERVICE, IntegrationsModel


class ErpConnection(IntegrationsModel, table=True):
    """How to reach one tenant's ERP and how its documents map onto `OrderSnapshot`."""

    __tablename__ = "erp_connections"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=30, default="onec_odata")
    base_url: str = Field(max_length=500)  # …/odata/standard.odata/
    username: str = Field(max_length=200)
    password: str = sealed_field(SERVICE)  # sealed at rest (services/common/encryption)
    mapping: dict[str, Any] = json_field(default_factory=dict)  # adapters.erp.onec_mapping.OneCMapping
    pull_interval_seconds: int = 60
    page_size: int = 500
    enabled: bool = True
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class ErpCursor(IntegrationsModel, table=True):
    """Where the last committed page of a tenant's pull ended; advanced in the page's own transaction."""

    __tablename__ = "erp_cursors"

    tenant: str = Field(max_length=64, primary_key=True)
    # The ERP's ordering value of the last document taken, and every key already taken at that value
    # (documents of the same second): the next page starts there and skips exactly those.
    position: str | None = Field(default=None, max_length=64)
    keys_at_position: list[str] = json_field(default_factory=list)
    pulled_total: int = 0
    last_started_at: datetime | None = utc_field(nullable=True, default=None)
    last_finished_at: datetime | None = utc_field(nullable=True, default=None)
    last_error: str | None = Field(default=None, sa_type=Text)


class ErpDocument(IntegrationsModel, table=True):
    """One pulled ERP document: the reference needed to push outcomes back, and what we last sent on."""

    __tablename__ = "erp_documents"
    __table_args__ = (
        UniqueConstraint("tenant", "document_key"),
        UniqueConstraint("tenant", "external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64)
    document_key: str = Field(max_length=64)  # 1C: Ref_Key
    external_id: str = Field(max_length=128)  # what operators see (1C: Number)
    data_version: str | None = Field(default=None, max_length=64)
    content_hash: str = Field(max_length=64)
    item_keys: dict[str, str] = json_field(default_factory=dict)  # sku -> the ERP's product reference
    pulled_at: datetime = utc_field()
    updated_at: datetime = utc_field()
