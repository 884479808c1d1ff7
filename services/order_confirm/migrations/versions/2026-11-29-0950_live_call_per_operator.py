"""live_call_per_operator: partial indexes of each operator's live calls (the softphone bar's current call)

Revision ID: 9c1d3e5f7a20
Revises: f649781441f9
Create Date: 2026-11-29 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c1d3e5f7a20"
down_revision: str | Sequence[str] | None = "f649781441f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_CALL = sa.text("state <> 'ended'")
TABLES = ("outbound_calls", "inbound_calls")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(
            f"ix_{table}_live_operator", table, ["operator_id"], postgresql_where=LIVE_CALL, sqlite_where=LIVE_CALL
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_live_operator", table_name=table)
