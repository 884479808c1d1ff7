"""An operator's line: one call at a time, whatever the tenant (one person, one line).

A line is busy while the operator has an open offer (an inbound call ringing them) or a call of theirs that is
not over. Taking the line is check-then-insert, so two requests for the same operator are serialized: on
PostgreSQL by a transaction-scoped advisory lock keyed by the operator (there may be no row to lock yet), on
SQLite by its one writer (BEGIN IMMEDIATE). Inbound routing tries the same lock without waiting before it
offers a call (`try_lock_line`): an operator whose line another request holds is passed over, not waited for.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select, text
from sqlmodel import Session, col

from services.notify.telephony.models import VoiceCall, VoiceCallOffer

# First key of the two-key advisory lock: "operator line" (any constant no other lock of notify uses).
_LINE_LOCK_SPACE = 0x6C696E65  # "line"


def lock_line(session: Session, operator_id: int) -> None:
    """Hold the operator's line for the rest of this transaction (released at commit or rollback)."""
    if session.get_bind().dialect.name == "sqlite":
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"), _line_key(operator_id))


def try_lock_line(session: Session, operator_id: int) -> bool:
    """`lock_line` if nobody holds the line now (True), else False at once: a burst of inbound decisions
    choosing among many operators never queues behind one of them."""
    if session.get_bind().dialect.name == "sqlite":
        return True
    held = session.execute(text("SELECT pg_try_advisory_xact_lock(:space, :key)"), _line_key(operator_id))
    return bool(held.scalar_one())


def line_lock_key(operator_id: int) -> tuple[int, int]:
    """The two int4 keys of the operator's line lock (also taken on asyncpg by inbound/hot.py)."""
    # Operator ids are BIGINT; the two-int4 form of the lock takes the low 31 bits (a rare shared key only
    # serializes two operators a little more, it never lets two calls onto one line).
    return _LINE_LOCK_SPACE, operator_id & 0x7FFFFFFF


def _line_key(operator_id: int) -> dict[str, int]:
    space, key = line_lock_key(operator_id)
    return {"space": space, "key": key}


def line_busy(session: Session, operator_id: int, *, except_call: str | None = None) -> bool:
    """The operator has a call that is not over, or an offer ringing them (one statement)."""
    open_call = select(col(VoiceCall.id)).where(
        col(VoiceCall.operator_id) == operator_id, col(VoiceCall.state) != "ended"
    )
    if except_call is not None:
        open_call = open_call.where(col(VoiceCall.id) != except_call)
    open_offer = select(col(VoiceCallOffer.id)).where(
        col(VoiceCallOffer.operator_id) == operator_id, col(VoiceCallOffer.ended_at).is_(None)
    )
    return bool(session.execute(select(or_(exists(open_call), exists(open_offer)))).scalar_one())


def client_identity(operator_id: int) -> str:
    """The operator's softphone as a Twilio client: one per person, whatever the tenant."""
    return f"operator_{operator_id}"
