"""notify's routing projection keeps the highest revision of every row, whatever order messages arrive in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import Session

from contracts.envelope import Envelope
from contracts.routing import MessageType
from contracts.telephony import (
    CoverChanged,
    CustomerRoute,
    CustomerRoutesChanged,
    OperatorPresenceChanged,
    TelephonySettingsChanged,
)
from okno.embedded import Okno
from services.common.db import transaction
from services.common.messaging.broker import publish_envelope
from services.notify.runtime import NotifyRuntime
from services.notify.telephony.models import VoiceCover, VoicePresence, VoiceTenant
from tests.notify.telephony.support import TENANT, customers, deliver, notify_runtime, numbers, presence
from tests.support import FrozenClock, wait_until

NOW = datetime.fromisoformat("2026-11-23T09:00:00+00:00")


@pytest.fixture
def notify(database_url: str, clock: FrozenClock) -> Iterator[NotifyRuntime]:
    with notify_runtime(database_url, clock) as runtime:
        yield runtime


def settings(revision: int, numbers: list[str], **fields: Any) -> TelephonySettingsChanged:
    return TelephonySettingsChanged(revision=revision, numbers=numbers, changed_at=NOW, **fields)


def stored_settings(runtime: NotifyRuntime, tenant: str = TENANT) -> VoiceTenant:
    with Session(runtime.engine) as session:
        row = session.get(VoiceTenant, tenant)
        assert row is not None
        return row


def test_settings_keep_the_highest_revision_and_its_numbers(notify: NotifyRuntime) -> None:
    deliver(notify, MessageType.TELEPHONY_SETTINGS_CHANGED, settings(2, ["+74951234567", "+74951234568"]))
    deliver(notify, MessageType.TELEPHONY_SETTINGS_CHANGED, settings(1, ["+74950000001"], owner_wait_seconds=5))
    deliver(notify, MessageType.TELEPHONY_SETTINGS_CHANGED, settings(2, ["+74950000002"], recording=True))

    row = stored_settings(notify)
    assert row.revision == 2
    assert row.settings["numbers"] == ["+74951234567", "+74951234568"]
    assert (row.settings["owner_wait_seconds"], row.settings["recording"]) == (15, False)
    assert numbers(notify) == {"+74951234567": TENANT, "+74951234568": TENANT}

    # The shop drops one number and adds another: the dropped one no longer reaches it.
    deliver(notify, MessageType.TELEPHONY_SETTINGS_CHANGED, settings(3, ["+74951234568", "+74951234569"]))
    assert numbers(notify) == {"+74951234568": TENANT, "+74951234569": TENANT}
    assert stored_settings(notify).revision == 3


def test_a_number_claimed_by_another_tenant_moves_to_the_later_claim(notify: NotifyRuntime) -> None:
    deliver(notify, MessageType.TELEPHONY_SETTINGS_CHANGED, settings(1, ["+74951234567", "+74951234568"]))
    deliver(notify, MessageType.TELEPHONY_SETTINGS_CHANGED, settings(1, ["+74951234568"]), tenant="other")
    assert numbers(notify) == {"+74951234567": TENANT, "+74951234568": "other"}

    # A redelivered older settings message of the first shop changes nothing.
    deliver(notify, MessageType.TELEPHONY_SETTINGS_CHANGED, settings(1, ["+74951234567", "+74951234568"]))
    assert numbers(notify) == {"+74951234567": TENANT, "+74951234568": "other"}

    # The other shop gives it up: it reaches nobody until someone claims it again.
    deliver(notify, MessageType.TELEPHONY_SETTINGS_CHANGED, settings(2, []), tenant="other")
    assert numbers(notify) == {"+74951234567": TENANT}


def test_presence_keeps_the_highest_revision_and_notifys_own_idle_time(
    notify: NotifyRuntime, clock: FrozenClock
) -> None:
    def changed(revision: int, status: str, **fields: Any) -> OperatorPresenceChanged:
        return OperatorPresenceChanged(
            operator_id=7, revision=revision, status=status, display_name="Anna P.", changed_at=NOW, **fields
        )

    deliver(notify, MessageType.OPERATOR_PRESENCE_CHANGED, changed(1_764_000_000_000_002, "available"))
    idle_since = clock.advance(minutes=3)
    with transaction(notify.engine) as session:  # a call on Anna's line ended (notify's own fact)
        row = session.get(VoicePresence, (TENANT, 7))
        assert row is not None
        row.last_call_ended_at = idle_since
        session.add(row)

    deliver(notify, MessageType.OPERATOR_PRESENCE_CHANGED, changed(1_764_000_000_000_001, "offline"))
    deliver(notify, MessageType.OPERATOR_PRESENCE_CHANGED, changed(1_764_000_000_000_002, "break"))
    row = presence(notify, 7)
    assert row is not None and (row.status, row.revision) == ("available", 1_764_000_000_000_002)

    deliver(
        notify,
        MessageType.OPERATOR_PRESENCE_CHANGED,
        changed(1_764_000_000_000_003, "available", line="phone", phone_number="+79160000007", member=True),
    )
    row = presence(notify, 7)
    assert row is not None
    assert (row.status, row.line, row.phone_number, row.member) == ("available", "phone", "+79160000007", True)
    assert row.last_call_ended_at == idle_since

    deliver(notify, MessageType.OPERATOR_PRESENCE_CHANGED, changed(1_764_000_000_000_004, "offline", member=False))
    row = presence(notify, 7)
    assert row is not None and (row.status, row.member) == ("offline", False)
    assert presence(notify, 7, tenant="other") is None  # one row per (tenant, operator)


def test_cover_keeps_the_highest_revision(notify: NotifyRuntime) -> None:
    def cover(revision: int, cover_id: int | None) -> CoverChanged:
        return CoverChanged(owner_id=7, cover_id=cover_id, revision=revision, changed_at=NOW)

    def stored() -> tuple[int | None, int]:
        with Session(notify.engine) as session:
            row = session.get(VoiceCover, (TENANT, 7))
            assert row is not None
            return row.cover_id, row.revision

    deliver(notify, MessageType.COVER_CHANGED, cover(5, 9))
    deliver(notify, MessageType.COVER_CHANGED, cover(4, None))
    assert stored() == (9, 5)
    deliver(notify, MessageType.COVER_CHANGED, cover(6, None))
    deliver(notify, MessageType.COVER_CHANGED, cover(5, 9))
    assert stored() == (None, 6)


def test_customer_routes_apply_per_customer_by_revision(notify: NotifyRuntime) -> None:
    def routes(*rows: tuple[int, str | None, int | None, int]) -> CustomerRoutesChanged:
        return CustomerRoutesChanged(
            customers=[CustomerRoute(customer_id=c, phone=p, owner_id=o, revision=r) for c, p, o, r in rows],
            changed_at=NOW,
        )

    deliver(notify, MessageType.CUSTOMER_ROUTES_CHANGED, routes((42, "+79161234567", 7, 5), (43, None, None, 1)))
    # A reassignment (newer for 42, older for 43) and the same customer twice in one batch.
    deliver(
        notify,
        MessageType.CUSTOMER_ROUTES_CHANGED,
        routes((42, "+79161234567", 9, 6), (43, "+79160000043", 7, 0), (44, "+79160000044", 9, 2), (44, None, 7, 3)),
    )
    assert customers(notify) == {42: ("+79161234567", 9, 6), 43: (None, None, 1), 44: (None, 7, 3)}

    # Redelivered older messages change nothing; the customer's new number takes over.
    deliver(notify, MessageType.CUSTOMER_ROUTES_CHANGED, routes((42, "+79161234567", 7, 5)))
    deliver(notify, MessageType.CUSTOMER_ROUTES_CHANGED, routes((42, "+79169999999", 9, 7)))
    assert customers(notify)[42] == ("+79169999999", 9, 7)

    deliver(notify, MessageType.CUSTOMER_ROUTES_CHANGED, routes((42, "+79161234567", 3, 1)), tenant="other")
    assert customers(notify, tenant="other") == {42: ("+79161234567", 3, 1)}
    assert customers(notify)[42] == ("+79169999999", 9, 7)


def test_a_full_re_publication_of_a_thousand_customers_is_one_batch(notify: NotifyRuntime) -> None:
    batch = CustomerRoutesChanged(
        customers=[
            CustomerRoute(customer_id=i, phone=f"+7916{i:07d}", owner_id=i % 20, revision=1) for i in range(1, 1001)
        ],
        changed_at=NOW,
    )
    deliver(notify, MessageType.CUSTOMER_ROUTES_CHANGED, batch)
    deliver(notify, MessageType.CUSTOMER_ROUTES_CHANGED, batch)
    stored = customers(notify)
    assert len(stored) == 1000 and stored[1000] == ("+79160001000", 0, 1)


def test_the_same_message_twice_is_applied_once(notify: NotifyRuntime) -> None:
    message_id = uuid.uuid4()
    deliver(notify, MessageType.COVER_CHANGED, CoverChanged(owner_id=7, cover_id=9, revision=1, changed_at=NOW))
    payload = CoverChanged(owner_id=7, cover_id=8, revision=2, changed_at=NOW)
    deliver(notify, MessageType.COVER_CHANGED, payload, message_id=message_id)
    with transaction(notify.engine) as session:  # someone fixes the row by hand after the message was applied
        row = session.get(VoiceCover, (TENANT, 7))
        assert row is not None
        row.revision = 1
        session.add(row)
    deliver(notify, MessageType.COVER_CHANGED, payload, message_id=message_id)  # the inbox knows it: not again
    with Session(notify.engine) as session:
        row = session.get(VoiceCover, (TENANT, 7))
        assert row is not None and (row.cover_id, row.revision) == (8, 1)


def test_messages_reach_the_projection_through_the_real_broker(okno: Okno) -> None:
    message = Envelope[Any](
        message_type=MessageType.TELEPHONY_SETTINGS_CHANGED.value,
        tenant=TENANT,
        payload=settings(1, ["+74951234567"]),
    )
    publish_envelope(okno.broker, message.message_type, message.model_dump_json())
    wait_until(lambda: numbers(okno.notify) == {"+74951234567": TENANT}, message="the number reaches the projection")
