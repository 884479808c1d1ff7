"""sandbox_recordings: the sandbox provider's generated recordings (sid, CallSid, duration; the audio is generated)

Revision ID: b7c41d2e9a05
Revises: 5ad1a01c08fc
Create Date: 2026-11-29 06:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.common.types

revision: str = "b7c41d2e9a05"
down_revision: str | Sequence[str] | None = "5ad1a01c08fc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notify_sandbox_recordings",
        sa.Column("sid", sqlmodel.sql.sqltypes.AutoString(length=34), nullable=False),
        sa.Column("call_sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("created_at", services.common.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", services.common.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_notify_sandbox_recordings")),
    )
    op.create_index(
        op.f("ix_notify_sandbox_recordings_call_sid"), "notify_sandbox_recordings", ["call_sid"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_notify_sandbox_recordings_call_sid"), table_name="notify_sandbox_recordings")
    op.drop_table("notify_sandbox_recordings")
