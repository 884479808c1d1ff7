"""outbox_settlement: receipts from consumers (settled_at) and re-sends of what none settled (republish_count)

Revision ID: 2eacd7be2743
Revises: 5a9cb942c113
Create Date: 2026-11-29 03:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.common.types

revision: str = "2eacd7be2743"
down_revision: str | Sequence[str] | None = "5a9cb942c113"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "order_confirm_outbox"
UNSETTLED = sa.text("settled_at IS NULL")
REPUBLISHED = sa.text("republish_count > 0")


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("settled_at", services.common.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column(TABLE, sa.Column("republish_count", sa.Integer(), nullable=False, server_default="0"))
    # Rows published before receipts existed cannot be told apart: they count as settled, or the first
    # reconciliation would re-send the whole history.
    op.execute(f"UPDATE {TABLE} SET settled_at = published_at WHERE published_at IS NOT NULL")
    op.create_index(
        f"ix_{TABLE}_unsettled", TABLE, ["published_at"], postgresql_where=UNSETTLED, sqlite_where=UNSETTLED
    )
    op.create_index(
        f"ix_{TABLE}_republished",
        TABLE,
        ["republish_count"],
        postgresql_where=REPUBLISHED,
        sqlite_where=REPUBLISHED,
    )


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_republished", table_name=TABLE)
    op.drop_index(f"ix_{TABLE}_unsettled", table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.drop_column("republish_count")
        batch_op.drop_column("settled_at")
