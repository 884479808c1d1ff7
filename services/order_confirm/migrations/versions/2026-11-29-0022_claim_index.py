"""claim_index: the partial index the claim (`POST /api/v1/queue/next`) searches in claim order

Revision ID: c10e71a5385a
Revises: 4d33b922a39b
Create Date: 2026-11-28 23:29:03.837530
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c10e71a5385a"
down_revision: str | Sequence[str] | None = "4d33b922a39b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Written by hand: autogenerate skips expression indexes (priority DESC). PostgreSQL only, as in the model.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_tasks_claim",
        "tasks",
        ["assignee_id", sa.text("priority DESC"), "due_at", "id"],
        unique=False,
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_tasks_claim", table_name="tasks")
