"""Call facts: a call row (and its offers) as the `CallSnapshot` order_confirm receives, and its publication.

Every state change of a call goes through `publish_call_updated` in the transaction of the change: the
revision grows by one and the whole snapshot goes on notify's outbox as `telephony_call.updated`, so a
consumer that keeps the highest revision per call always holds the latest complete picture.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from contracts.routing import MessageType
from contracts.telephony import CallOffer, CallSnapshot, CallUpdated
from services.common.messaging.outbox import Outbox
from services.notify.telephony.models import VoiceCall, VoiceCallOffer


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _hold_seconds(call: VoiceCall) -> int:
    """Hold time so far; a call that ended on hold counts that last hold up to its end."""
    ongoing = _seconds(call.hold_started_at, call.ended_at) if call.on_hold else None
    return call.hold_seconds + (ongoing or 0)


def _wait_seconds(call: VoiceCall) -> int | None:
    if call.direction != "inbound":
        return None
    # Offered -> answered; a caller who never reached anyone waited until they hung up or chose a callback.
    return _seconds(call.offered_at, call.answered_at or call.ended_at)


def call_snapshot(call: VoiceCall, offers: Sequence[VoiceCallOffer]) -> CallSnapshot:
    hold = _hold_seconds(call)
    talk = max(0, (_seconds(call.answered_at, call.ended_at) or 0) - hold)
    fields: dict[str, Any] = {
        "call_id": uuid.UUID(call.id),
        "revision": call.revision,
        "direction": call.direction,
        "state": call.state,
        "line_number": call.line_number,
        "customer_number": call.customer_number,
        "customer_id": call.customer_id,
        "order_id": call.order_id,
        "attempt_id": call.attempt_id,
        "operator_id": call.operator_id,
        "owner_id": call.owner_id,
        "answered_role": call.answered_role,
        "operator_line": call.operator_line,
        "offered_at": call.offered_at,
        "ringing_at": call.ringing_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "wait_seconds": _wait_seconds(call),
        "talk_seconds": talk,
        "hold_seconds": hold,
        "outcome": call.outcome,
        "abandoned": call.abandoned,
        "short_abandon": call.short_abandon,
        "on_hold": call.on_hold,
        "offers": [
            CallOffer(
                operator_id=offer.operator_id,
                role=offer.role,  # stored from contracts.telephony.AnsweredRole
                offered_at=offer.offered_at,
                ended_at=offer.ended_at,
                result=offer.result,
            )
            for offer in offers
        ],
        "error_code": call.error_code,
    }
    return CallSnapshot(**fields)


def call_offers(session: Session, call_id: str) -> list[VoiceCallOffer]:
    statement = (
        select(VoiceCallOffer)
        .where(col(VoiceCallOffer.call_id) == call_id)
        .order_by(col(VoiceCallOffer.offered_at), col(VoiceCallOffer.id))
    )
    return list(session.exec(statement).all())


def publish_call_updated(session: Session, outbox: Outbox, call: VoiceCall, *, now: datetime) -> CallSnapshot:
    """Write the call's pending changes, bump its revision and queue its snapshot, in the caller's transaction.

    The revision is bumped by the database (`revision = revision + 1`), so two transactions changing the same
    call never publish the same revision: the second waits for the first's row lock and reads its result.
    Callers that decide from the call's state should still load it `with_for_update()`.
    """
    call.updated_at = now
    session.add(call)
    session.flush()
    bumped = session.execute(
        update(VoiceCall)
        .where(col(VoiceCall.id) == call.id)
        .values(revision=col(VoiceCall.revision) + 1)
        .returning(col(VoiceCall.revision))
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(call, "revision", bumped)
    snapshot = call_snapshot(call, call_offers(session, call.id))
    outbox.add(session, MessageType.TELEPHONY_CALL_UPDATED.value, call.tenant_id, CallUpdated(**dict(snapshot)))
    return snapshot
