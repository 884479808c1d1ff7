"""seal_secrets: tenants' webhook secrets, shop-webhook secrets, ERP passwords and provider settings sealed

Issue 12 item 9: these sat in clear in the database. The columns become text holding Fernet tokens
(services/common/encryption) and every existing row is sealed with the primary key from OKNO_SECRET_KEYS (or
the key file); with rows to seal and no key the migration stops before changing anything.

Revision ID: ccb133cd27af
Revises: 56a4f1cdd2d2
Create Date: 2026-11-29 03:32:41.504773
"""

from collections.abc import Sequence

from alembic import op

from services.common.sealing_migration import SealedColumn, seal_columns, unseal_columns

revision: str = "ccb133cd27af"
down_revision: str | Sequence[str] | None = "56a4f1cdd2d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SERVICE = "integrations"
COLUMNS = (
    SealedColumn("integration_tenants", "webhook_secret", "string", nullable=False),
    SealedColumn("integration_tenants", "previous_webhook_secret", "string", nullable=True),
    SealedColumn("shop_webhook_endpoints", "secret", "string", nullable=False),
    SealedColumn("erp_connections", "password", "string", nullable=False),
    SealedColumn("payment_setups", "settings", "json", nullable=False),
    SealedColumn("courier_setups", "settings", "json", nullable=False),
)


def upgrade() -> None:
    seal_columns(op, SERVICE, COLUMNS)


def downgrade() -> None:
    unseal_columns(op, SERVICE, COLUMNS)
