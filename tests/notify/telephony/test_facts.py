"""A call row becomes the `telephony_call.updated` snapshot order_confirm keeps (docs/telephony.md example)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from contracts.routing import MessageType
from contracts.telephony import CallUpdated
from services.common.db import transaction
from services.notify.models import OutboxMessage
from services.notify.runtime import NotifyRuntime
from services.notify.telephony.facts import call_offers, call_snapshot, publish_call_updated
from services.notify.telephony.models import VoiceCall, VoiceCallOffer
from tests.notify.telephony.support import TENANT, notify_runtime
from tests.support import FrozenClock

CALL_ID = "6f1c1c8e-3d5e-4a6b-9a57-3c2f0f3a9b10"
T0 = datetime.fromisoformat("2026-11-23T09:00:00+00:00")


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def notify(database_url: str, clock: FrozenClock) -> Iterator[NotifyRuntime]:
    with notify_runtime(database_url, clock) as runtime:
        yield runtime


def published(runtime: NotifyRuntime) -> list[CallUpdated]:
    with Session(runtime.engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.message_type) == MessageType.TELEPHONY_CALL_UPDATED.value)
            .order_by(col(OutboxMessage.id))
        ).all()
        assert all(row.tenant == TENANT for row in rows)
        return [CallUpdated.model_validate(row.envelope["payload"]) for row in rows]


def inbound_call() -> VoiceCall:
    return VoiceCall(
        id=CALL_ID,
        tenant_id=TENANT,
        direction="inbound",
        state="queued",
        line_number="+74951234567",
        customer_number="+79161234567",
        customer_id=42,
        owner_id=7,
        provider_call_sid="CA" + "1" * 32,
        offered_at=T0,
        queue_entered_at=T0,
        updated_at=T0,
    )


def locked(session: Session) -> VoiceCall:
    call = session.get(VoiceCall, CALL_ID, with_for_update=True)
    assert call is not None
    return call


def test_every_change_publishes_the_whole_call_with_a_growing_revision(notify: NotifyRuntime) -> None:
    with transaction(notify.engine) as session:
        call = inbound_call()
        session.add(call)
        session.add(VoiceCallOffer(call_id=CALL_ID, tenant_id=TENANT, operator_id=7, role="owner", offered_at=T0))
        publish_call_updated(session, notify.outbox, call, now=T0)

    with transaction(notify.engine) as session:
        call = locked(session)
        [owner] = call_offers(session, CALL_ID)
        owner.ended_at, owner.result = at(15), "no_answer"
        session.add(owner)
        session.add(VoiceCallOffer(call_id=CALL_ID, tenant_id=TENANT, operator_id=9, role="cover", offered_at=at(15)))
        call.state = "ringing"
        publish_call_updated(session, notify.outbox, call, now=at(15))

    with transaction(notify.engine) as session:
        call = locked(session)
        cover = call_offers(session, CALL_ID)[1]
        cover.ended_at, cover.result = at(19), "answered"
        session.add(cover)
        call.state, call.answered_at, call.operator_id, call.answered_role = "in_progress", at(19), 9, "cover"
        call.operator_line = "browser"
        publish_call_updated(session, notify.outbox, call, now=at(19))
        call.on_hold, call.hold_started_at = True, at(100)
        publish_call_updated(session, notify.outbox, call, now=at(100))

    with transaction(notify.engine) as session:
        call = locked(session)
        call.on_hold, call.hold_seconds, call.hold_started_at = False, 20, None
        publish_call_updated(session, notify.outbox, call, now=at(120))
        call.state, call.ended_at, call.outcome = "ended", at(220), "answered"
        last = publish_call_updated(session, notify.outbox, call, now=at(220))

    updates = published(notify)
    assert [u.revision for u in updates] == [1, 2, 3, 4, 5, 6]
    assert [u.state for u in updates] == ["queued", "ringing", "in_progress", "in_progress", "in_progress", "ended"]
    assert updates[-1] == CallUpdated(**dict(last))
    # The example of docs/telephony.md, field by field.
    assert last.model_dump(mode="json") == {
        "call_id": CALL_ID,
        "revision": 6,
        "direction": "inbound",
        "state": "ended",
        "line_number": "+74951234567",
        "customer_number": "+79161234567",
        "customer_id": 42,
        "order_id": None,
        "attempt_id": None,
        "operator_id": 9,
        "owner_id": 7,
        "answered_role": "cover",
        "operator_line": "browser",
        "offered_at": "2026-11-23T09:00:00Z",
        "ringing_at": None,
        "answered_at": "2026-11-23T09:00:19Z",
        "ended_at": "2026-11-23T09:03:40Z",
        "wait_seconds": 19,
        "talk_seconds": 181,
        "hold_seconds": 20,
        "outcome": "answered",
        "abandoned": False,
        "short_abandon": False,
        "on_hold": False,
        "offers": [
            {
                "operator_id": 7,
                "role": "owner",
                "offered_at": "2026-11-23T09:00:00Z",
                "ended_at": "2026-11-23T09:00:15Z",
                "result": "no_answer",
            },
            {
                "operator_id": 9,
                "role": "cover",
                "offered_at": "2026-11-23T09:00:15Z",
                "ended_at": "2026-11-23T09:00:19Z",
                "result": "answered",
            },
        ],
        "error_code": None,
    }
    assert updates[3].on_hold is True and updates[3].hold_seconds == 0


def test_an_abandoned_call_waited_until_the_caller_hung_up_and_one_that_ended_on_hold_counts_that_hold() -> None:
    abandoned = inbound_call()
    abandoned.state, abandoned.ended_at, abandoned.outcome = "ended", at(4), "abandoned"
    abandoned.abandoned = abandoned.short_abandon = True
    snapshot = call_snapshot(abandoned, [])
    assert (snapshot.wait_seconds, snapshot.talk_seconds, snapshot.hold_seconds) == (4, 0, 0)
    assert snapshot.call_id == uuid.UUID(CALL_ID) and snapshot.abandoned and snapshot.short_abandon

    outbound = inbound_call()
    outbound.direction, outbound.state, outbound.attempt_id, outbound.order_id = "outbound", "ended", 5, 6
    outbound.answered_at, outbound.ended_at, outbound.outcome = at(10), at(100), "answered"
    outbound.on_hold, outbound.hold_started_at, outbound.hold_seconds = True, at(70), 15
    snapshot = call_snapshot(outbound, [])
    assert (snapshot.wait_seconds, snapshot.talk_seconds, snapshot.hold_seconds) == (None, 45, 45)
