"""The SQL of an inbound decision on PostgreSQL: asyncpg prepared statements on the pooled connection's driver
(db_async.pooled_driver), no ORM and no SQLAlchemy per statement (issue 14: the decision's p99 was round
trips and session machinery, not the rules).

No lock and no transaction to read: a decision to wait (most requests: the queue loop) is one statement, and
one to ring is one more:
1. `READ_QUEUED` (the queue loop: the caller's row and the rest as an array of records) or `ARRIVAL` then `READ`
   (a new call: the tenant of the number and whether Twilio retried the webhook, then the rows): every queued
   caller of the tenant, its operators, the caller's own offers (and the customer behind a new number);
2. to ring, one call of a function (migration inbound_ring_functions), outside a transaction: it takes
   `lines.try_lock_line`'s advisory try-lock on the chosen operator's line, then, in a statement of its own
   (a fresh snapshot, taken after the lock), checks the line again and writes the call's new state and
   revision — only if the call is still as read (`revision`; every change of a call bumps it, facts.py), else
   the ORM path decides under the call's lock — the offer and the call's `telephony_call.updated` outbox row;
   nothing at all when the line is held or busy, so the rules run again without that operator (flow.py's
   module doc). The lock lasts until the call's implicit commit, after the writes (was: BEGIN, the try-lock,
   the write, COMMIT — four round trips, each a wait for the event loop under a burst). A new caller who waits
   is one autocommit insert (`QUEUE_NEW`).
"""

from __future__ import annotations

from services.notify.models.messaging import OutboxMessage
from services.notify.telephony.inbound.lookup import DECLINED
from services.notify.telephony.models import VoiceCall, VoiceCallOffer, VoiceCover, VoiceCustomer, VoicePresence

_CALLS: str = VoiceCall.__tablename__
_OFFERS: str = VoiceCallOffer.__tablename__
_COVERS: str = VoiceCover.__tablename__
_CUSTOMERS: str = VoiceCustomer.__tablename__
_PRESENCE: str = VoicePresence.__tablename__
_OUTBOX: str = OutboxMessage.__tablename__

# Every column of a call, in the model's order: the snapshot published needs them all.
CALL_COLUMNS = tuple(VoiceCall.model_fields)

# $1 the number dialled, $2 the caller's CallSid.
ARRIVAL = f"""
SELECT (SELECT tenant_id FROM voice_numbers WHERE number = $1) AS tenant_id,
       EXISTS (SELECT FROM {_CALLS} WHERE provider_call_sid = $2) AS known"""

# The rows of READ, told apart by `kind`; the other columns' meaning depends on it (hot.py reads them).
WAITING, AGENT, OFFER, CUSTOMER = 0, 1, 2, 3
_DECLINED = ", ".join(f"'{result}'" for result in DECLINED)


def _read(tenant: str, call: str, number: str) -> str:
    """The queue, the operators, the call's offers (and the customer behind `number`), as typed rows."""
    return f"""
SELECT {WAITING} AS kind, c.id AS call_id, COALESCE(c.queue_entered_at, c.offered_at) AS t1, NULL::timestamptz AS t2,
       c.customer_id AS i1, c.owner_id AS i2, v.cover_id AS i3, o.operator_id AS i4,
       NULL::bool AS flag, NULL::text AS s1, NULL::text AS s2
FROM {_CALLS} c
LEFT JOIN {_COVERS} v ON v.tenant_id = c.tenant_id AND v.owner_id = c.owner_id
LEFT JOIN {_OFFERS} o ON o.call_id = c.id AND o.result IN ({_DECLINED})
WHERE c.tenant_id = {tenant} AND c.state = 'queued' AND c.direction = 'inbound'
UNION ALL
SELECT {AGENT}, NULL, p.last_call_ended_at, NULL, p.operator_id, NULL, NULL, NULL,
       EXISTS (SELECT FROM {_OFFERS} o WHERE o.operator_id = p.operator_id AND o.ended_at IS NULL)
       OR EXISTS (SELECT FROM {_CALLS} c WHERE c.operator_id = p.operator_id AND c.state <> 'ended'),
       p.line, p.phone_number
FROM {_PRESENCE} p
WHERE p.tenant_id = {tenant} AND p.status = 'available' AND p.member
UNION ALL
SELECT {OFFER}, NULL, o.offered_at, o.ended_at, o.operator_id, o.id, NULL, NULL, NULL, o.role, o.result
FROM {_OFFERS} o WHERE o.call_id = {call}
UNION ALL
(SELECT {CUSTOMER}, NULL, NULL, NULL, u.customer_id, u.owner_id, v.cover_id, NULL, NULL, NULL, NULL
 FROM {_CUSTOMERS} u LEFT JOIN {_COVERS} v ON v.tenant_id = u.tenant_id AND v.owner_id = u.owner_id
 WHERE u.tenant_id = {tenant} AND u.phone = {number}
 ORDER BY u.revision DESC, u.customer_id DESC LIMIT 1)"""


# A new call: $1 tenant, $2 its call id (no offers yet), $3 the caller's number.
READ = _read("$1", "$2", "$3::varchar")
# The queue loop, without a lock or a transaction (a decision to wait writes nothing; one to ring writes only if
# the call is still as read: RING_QUEUED): $1 the call id. Its row, and READ's rows as an array of records.
READ_QUEUED = f"""
SELECT {", ".join(f"me.{name}" for name in CALL_COLUMNS)},
       ARRAY(SELECT ROW(r.*) FROM ({_read("me.tenant_id", "me.id", "NULL::varchar")}) r) AS rows
FROM {_CALLS} me WHERE me.id = $1"""


def _params(count: int) -> str:
    return ", ".join(f"${n}" for n in range(1, count + 1))


_OUTBOX_COLUMNS = "message_id, message_type, tenant, envelope, created_at, publish_attempts, republish_count"


def _outbox(first: int, after: str) -> str:
    """The `telephony_call.updated` row, written only if `after` wrote its call."""
    return f"""published AS (
    INSERT INTO {_OUTBOX} ({_OUTBOX_COLUMNS})
    SELECT ${first}::varchar, ${first + 1}::varchar, ${first + 2}::varchar, ${first + 3}::jsonb,
           ${first + 4}::timestamptz, 0, 0
    FROM {after}
    RETURNING id
)"""


# $1 operator, $2 call id, $3 tenant, $4 role, $5 offered at (= the call's updated_at), $6 the call's new revision
# (the one read + 1: nothing is written if the call changed since the read), $7-$11 the outbox row, $12-$13 the
# line's lock keys. Answers the offer's and the outbox row's ids (NULLs when nothing was written) and whether the
# line was free (false when another request holds it).
RING_QUEUED = "SELECT offer_id, outbox_id, line_free FROM notify_ring_queued(" + _params(13) + ")"

_NEW_CALL_COLUMNS = (
    "id, tenant_id, direction, state, revision, line_number, customer_number, customer_id, owner_id,"
    " provider_call_sid, offered_at, queue_entered_at, updated_at, hold_seconds, abandoned, short_abandon, on_hold"
)


def _new_call(first: int, state: str, source: str) -> str:
    """A new inbound call ($first… id, tenant, line number, customer number, customer, owner, CallSid, came in
    at, updated at), revision 1; nothing if Twilio's retry of the webhook inserted it meanwhile."""
    p = [f"${first + n}" for n in range(9)]
    return f"""opened AS (
    INSERT INTO {_CALLS} ({_NEW_CALL_COLUMNS})
    SELECT {p[0]}::varchar, {p[1]}::varchar, 'inbound', '{state}', 1, {p[2]}::varchar, {p[3]}::varchar,
           {p[4]}::bigint, {p[5]}::bigint, {p[6]}::varchar, {p[7]}::timestamptz, {p[7]}::timestamptz,
           {p[8]}::timestamptz, 0, false, false, false
    FROM {source}
    ON CONFLICT (provider_call_sid) DO NOTHING
    RETURNING id
)"""


# $1-$9 the new call, $10-$14 the outbox row. Answers the outbox row's id, NULL if the call existed already.
QUEUE_NEW = f"""
WITH {_new_call(1, "queued", "(SELECT) AS one")}, {_outbox(10, "opened")}
SELECT NULL::int AS offer_id, (SELECT id FROM published) AS outbox_id"""

# $1 operator, $2 role, $3 offered at, $4-$12 the new call (`_new_call`'s order), $13-$17 the outbox row,
# $18-$19 the line's lock keys; the same answer.
RING_NEW = "SELECT offer_id, outbox_id, line_free FROM notify_ring_new(" + _params(19) + ")"
