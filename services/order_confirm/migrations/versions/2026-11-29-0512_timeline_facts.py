"""timeline_facts: timeline lines become facts (kind + params), told in the reader's language

Existing rows get their parameters from what they kept: their `details`, the order, attempt and note they
name, and the English line itself (parsed as the code of the previous revision wrote it). A row whose line
cannot be read keeps `params` = {} and is shown as it was written. The column is added in place (SQLite
too), so nothing else about the table changes.

Revision ID: f649781441f9
Revises: 2eacd7be2743
Create Date: 2026-11-29 05:12:10.764937
"""

import re
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from services.common.types import JSONDocument, UTCDateTime

revision: str = "f649781441f9"
down_revision: str | Sequence[str] | None = "2eacd7be2743"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
EVENTS = sa.table(
    "timeline_events",
    sa.column("id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("summary", sa.String()),
    sa.column("details", JSONDocument),
    sa.column("order_id", sa.Integer()),
    sa.column("params", JSONDocument),
)
ORDERS = sa.table("orders", sa.column("id", sa.Integer()), sa.column("external_id", sa.String()))
ATTEMPTS = sa.table(
    "attempts",
    sa.column("id", sa.Integer()),
    sa.column("disposition", sa.String()),
    sa.column("reason_code", sa.String()),
    sa.column("callback_at", UTCDateTime()),
    sa.column("next_attempt_at", UTCDateTime()),
)
NOTES = sa.table("notes", sa.column("id", sa.Integer()), sa.column("text", sa.Text()))


def upgrade() -> None:
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", JSONDocument, nullable=False, server_default=sa.text("'{}'")))
    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.drop_column("params")


def backfill(connection: sa.Connection) -> None:
    last = 0
    while True:
        rows = connection.execute(
            sa.select(EVENTS.c.id, EVENTS.c.kind, EVENTS.c.summary, EVENTS.c.details, EVENTS.c.order_id)
            .where(EVENTS.c.id > last)
            .order_by(EVENTS.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        context = _Context(connection, rows)
        for row in rows:
            reader = READERS.get(row.kind)
            params = _safely(reader, row, context) if reader else None
            if params is not None:
                connection.execute(sa.update(EVENTS).where(EVENTS.c.id == row.id).values(params=params))


class _Context:
    """The orders, attempts and notes a batch of rows names, read once per batch."""

    def __init__(self, connection: sa.Connection, rows: Sequence[Any]) -> None:
        order_ids = {row.order_id for row in rows if row.order_id}
        details = [row.details or {} for row in rows]
        attempt_ids = {d["attempt_id"] for d in details if isinstance(d.get("attempt_id"), int)}
        note_ids = {d["note_id"] for d in details if isinstance(d.get("note_id"), int)}
        self.orders = dict(connection.execute(sa.select(ORDERS).where(ORDERS.c.id.in_(order_ids))).all())
        self.attempts = {a.id: a for a in connection.execute(sa.select(ATTEMPTS).where(ATTEMPTS.c.id.in_(attempt_ids)))}
        self.notes = dict(connection.execute(sa.select(NOTES).where(NOTES.c.id.in_(note_ids))).all())

    def external_id(self, row: Any) -> str:
        found = self.orders.get(row.order_id)
        if found is None:
            raise LookupError(row.order_id)
        return str(found)


def _safely(reader: Callable[[Any, _Context], dict[str, Any]], row: Any, context: _Context) -> dict[str, Any] | None:
    try:
        return reader(row, context)
    except (LookupError, AttributeError, TypeError, ValueError):
        return None  # shown as it was written


def _match(pattern: str, text: str) -> re.Match[str]:
    found = re.fullmatch(pattern, text, flags=re.S)
    if found is None:
        raise ValueError(text)
    return found


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def _attempt(row: Any, context: _Context) -> dict[str, Any]:
    attempt = context.attempts[(row.details or {})["attempt_id"]]
    return {
        "external_id": context.external_id(row),
        "disposition": attempt.disposition,
        "reason_code": attempt.reason_code,
        "callback_at": _iso(attempt.callback_at),
        "next_attempt_at": _iso(attempt.next_attempt_at),
    }


def _payment_link(row: Any, context: _Context) -> dict[str, Any]:
    unpaid = re.fullmatch(r"Payment link (expired|failed) unpaid", row.summary)
    if unpaid:
        return {"event": unpaid[1]}
    sent = _match(r"Payment link for (\S+) ([A-Z]{3}) sent by SMS(?:, slot .*)?", row.summary)
    return {"event": "sent", "amount": sent[1], "currency": sent[2]}


def _courier(row: Any, context: _Context) -> dict[str, Any]:
    found = _match(r"Courier (\S+) (\S+): (\w+)(?: \((.*)\))?", row.summary)
    return {"courier": found[1], "shipment_ref": found[2], "status": found[3], "reason": found[4]}


def _survey(row: Any, context: _Context) -> dict[str, Any]:
    details = row.details or {}
    return {key: details.get(key) for key in ("status", "csat", "nps", "skip_reason")} | {"status": details["status"]}


def _cover(row: Any, context: _Context) -> dict[str, Any]:
    covered = re.fullmatch(r"(.+) covers this (\w+)", row.summary)
    if covered:
        return {"operator_name": covered[1], "task_kind": covered[2]}
    back = _match(r"(\w+) back with (.+)", row.summary)
    return {"operator_name": back[2], "task_kind": back[1]}


READERS: dict[str, Callable[[Any, _Context], dict[str, Any]]] = {
    "order_received": lambda row, c: {
        "external_id": c.external_id(row),
        "bad_phone": bool((row.details or {}).get("bad_phone")),
    },
    "order_changed_by_shop": lambda row, c: {
        "external_id": c.external_id(row),
        "fields": list((row.details or {})["changed_fields"]),
        "after_confirmation": "after confirmation" in row.summary,
    },
    "order_cancelled_by_shop": lambda row, c: {
        "external_id": c.external_id(row),
        "previous_status": _match(r".* \(was (\w+)\)", row.summary)[1],
    },
    "owner_assigned": lambda row, c: {"owner_name": _match(r"Owner: (.+)", row.summary)[1]},
    "owner_changed": lambda row, c: {
        "owner_id": (row.details or {}).get("after"),
        "owner_name": _match(r"Now owned by (.+?): .*", row.summary)[1],
        "reason": (row.details or {})["reason"],
    },
    "attempt": _attempt,
    "order_changed": lambda row, c: {
        "external_id": c.external_id(row),
        "fields": sorted((row.details or {})["after"]),
    },
    "note": lambda row, c: {"text": c.notes.get((row.details or {}).get("note_id"), row.summary)},
    "payment_link": _payment_link,
    "payment": lambda row, c: dict(
        zip(("amount", "currency"), _match(r"Paid (\S+) ([A-Z]{3}) by link", row.summary).groups(), strict=True)
    ),
    "courier": _courier,
    "survey": _survey,
    "survey_opt_out": lambda row, c: {},
    "task_covered": _cover,
    "task_cover_ended": _cover,
    "order_reopened": lambda row, c: {
        "external_id": c.external_id(row),
        "attempts_before": (row.details or {}).get("attempts_before"),
    },
    "confirmed_elsewhere": lambda row, c: {
        "external_id": c.external_id(row),
        "channel": (row.details or {})["channel"],
        "reason": (row.details or {}).get("reason"),
    },
}
