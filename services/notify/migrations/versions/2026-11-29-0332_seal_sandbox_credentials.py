"""seal_sandbox_credentials: the sandbox's auth token, API key secret and ticket secret sealed at rest

Issue 12 item 9 (services/common/encryption). Existing rows are sealed with the primary key from
OKNO_SECRET_KEYS (or the key file); with rows to seal and no key the migration stops before changing anything.

Revision ID: 062c8c2f75c5
Revises: 9de3884e8e7b
Create Date: 2026-11-29 03:32:45.776087
"""

from collections.abc import Sequence

from alembic import op

from services.common.sealing_migration import SealedColumn, seal_columns, unseal_columns

revision: str = "062c8c2f75c5"
down_revision: str | Sequence[str] | None = "9de3884e8e7b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SERVICE = "notify"
COLUMNS = tuple(
    SealedColumn("notify_sandbox_credentials", column, "string", nullable=False, length=64)
    for column in ("auth_token", "api_key_secret", "ticket_secret")
)


def upgrade() -> None:
    seal_columns(op, SERVICE, COLUMNS)


def downgrade() -> None:
    unseal_columns(op, SERVICE, COLUMNS)
