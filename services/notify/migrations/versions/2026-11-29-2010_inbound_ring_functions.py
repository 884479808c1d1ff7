"""inbound_ring_functions: an inbound call rung in one round trip (issue 14: the decision's p99)

`notify_ring_queued` and `notify_ring_new` try-lock the operator's line (lines.line_lock_key) and only then, in
a statement of its own — a VOLATILE PL/pgSQL function's statements each take a fresh snapshot, so the check
sees every commit made before the lock — check the line again and write the call, its offer and its outbox row
(telephony/inbound/ring_sql.py). Called outside a transaction: the line's lock lasts until the implicit commit
of the call, after the writes. PostgreSQL only (SQLite decides on flow.py's path).

Revision ID: 3e6d0c5b7a21
Revises: b7c41d2e9a05
Create Date: 2026-11-29 20:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3e6d0c5b7a21"
down_revision: str | Sequence[str] | None = "b7c41d2e9a05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FREE = """free AS (
        SELECT NOT EXISTS (SELECT FROM voice_calls WHERE operator_id = $1 AND state <> 'ended')
           AND NOT EXISTS (SELECT FROM voice_call_offers WHERE operator_id = $1 AND ended_at IS NULL) AS ok
    )"""
_OUTBOX = """published AS (
        INSERT INTO notify_outbox (message_id, message_type, tenant, envelope, created_at, publish_attempts,
                                   republish_count)
        SELECT ${0}, ${1}, ${2}, ${3}::jsonb, ${4}, 0, 0 FROM {5}
        RETURNING id
    )"""
_ANSWER = """SELECT (SELECT id FROM offer)::bigint, (SELECT id FROM published)::bigint, (SELECT ok FROM free)"""
_BUSY = "RETURN QUERY SELECT NULL::bigint, NULL::bigint, false; RETURN;"

# $1 operator, $2 call id, $3 tenant, $4 role, $5 offered at, $6 the call's new revision, $7-$11 the outbox row,
# $12-$13 the line's lock keys.
RING_QUEUED = f"""
CREATE FUNCTION notify_ring_queued(
    bigint, varchar, varchar, varchar, timestamptz, bigint, varchar, varchar, varchar, text, timestamptz,
    integer, integer
) RETURNS TABLE (offer_id bigint, outbox_id bigint, line_free boolean) LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    IF NOT pg_try_advisory_xact_lock($12, $13) THEN
        {_BUSY}
    END IF;
    RETURN QUERY
    WITH {_FREE}, rung AS (
        UPDATE voice_calls SET state = 'ringing', revision = $6, updated_at = $5
        WHERE id = $2 AND state = 'queued' AND revision = $6 - 1 AND (SELECT ok FROM free)
        RETURNING id
    ), offer AS (
        INSERT INTO voice_call_offers (call_id, tenant_id, operator_id, role, offered_at)
        SELECT $2, $3, $1, $4, $5 FROM rung
        RETURNING id
    ), {_OUTBOX.format(7, 8, 9, 10, 11, "rung")}
    {_ANSWER};
END
$fn$"""

# $1 operator, $2 role, $3 offered at, $4-$12 the new call (id, tenant, line number, customer number, customer,
# owner, CallSid, came in at, updated at), $13-$17 the outbox row, $18-$19 the line's lock keys.
RING_NEW = f"""
CREATE FUNCTION notify_ring_new(
    bigint, varchar, timestamptz, varchar, varchar, varchar, varchar, bigint, bigint, varchar, timestamptz,
    timestamptz, varchar, varchar, varchar, text, timestamptz, integer, integer
) RETURNS TABLE (offer_id bigint, outbox_id bigint, line_free boolean) LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    IF NOT pg_try_advisory_xact_lock($18, $19) THEN
        {_BUSY}
    END IF;
    RETURN QUERY
    WITH {_FREE}, opened AS (
        INSERT INTO voice_calls (id, tenant_id, direction, state, revision, line_number, customer_number,
                                 customer_id, owner_id, provider_call_sid, offered_at, queue_entered_at,
                                 updated_at, hold_seconds, abandoned, short_abandon, on_hold)
        SELECT $4, $5, 'inbound', 'ringing', 1, $6, $7, $8, $9, $10, $11, $11, $12, 0, false, false, false
        FROM free WHERE ok
        ON CONFLICT (provider_call_sid) DO NOTHING
        RETURNING id
    ), offer AS (
        INSERT INTO voice_call_offers (call_id, tenant_id, operator_id, role, offered_at)
        SELECT $4, $5, $1, $2, $3 FROM opened
        RETURNING id
    ), {_OUTBOX.format(13, 14, 15, 16, 17, "opened")}
    {_ANSWER};
END
$fn$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(RING_QUEUED)
    op.execute(RING_NEW)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION notify_ring_new")
    op.execute("DROP FUNCTION notify_ring_queued")
