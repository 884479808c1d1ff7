"""Inbound call facts: the highest revision is kept, an answered call becomes a line on the caller's
timeline, an unknown caller's call is attached to an order by whoever answered it, a callback request opens
one callback task for the owner (or the pool), and recordings are linked to their calls."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from contracts.routing import MessageType
from contracts.telephony import CallbackRequested, RecordingAvailable, RecordingDeleted
from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import AuditEntry, CallRecording, Customer, InboundCall, Task, TimelineEvent
from tests.order_confirm.telephony.facts_support import call_updated, deliver, redeliver
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers
from tests.support import FrozenClock

CALL = MessageType.TELEPHONY_CALL_UPDATED


def test_an_answered_call_is_told_on_the_callers_timeline_once_and_completed_at_its_end(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    runtime, engine = frozen_okno.order_confirm, frozen_okno.order_confirm.engine
    t0 = clock()
    shop = add_tenant(engine, "tea", now=t0)
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=t0)
    boris = add_operator(engine, "boris", Role.OPERATOR, [shop], now=t0)
    order = add_order(engine, shop, anna, now=t0, phone="+79161234567")
    call_id = uuid.uuid4()
    base = {"customer_id": order.customer_id, "owner_id": anna, "customer_number": "+79161234567", "offered_at": t0}
    deliver(runtime, CALL, "tea", call_updated(call_id, 1, "inbound", state="queued", **base))
    talking = call_updated(
        call_id, 4, "inbound", state="in_progress", operator_id=boris, answered_role="cover",
        answered_at=t0 + timedelta(seconds=19), wait_seconds=19, **base,
    )  # fmt: skip
    deliver(runtime, CALL, "tea", talking)
    deliver(runtime, CALL, "tea", call_updated(call_id, 2, "inbound", state="ringing", **base))  # late: ignored
    ended = talking.model_copy(
        update={"revision": 7, "state": "ended", "outcome": "answered", "ended_at": t0 + timedelta(seconds=220),
                "talk_seconds": 181, "hold_seconds": 20}
    )  # fmt: skip
    body = deliver(runtime, CALL, "tea", ended)
    redeliver(runtime, CALL, body)
    deliver(runtime, CALL, "tea", talking)  # an older snapshot after the end: nothing changes
    with Session(engine) as session:
        row = session.get(InboundCall, str(call_id))
        assert row is not None
        assert (row.revision, row.state, row.operator_id, row.answered_role) == (7, "ended", boris, "cover")
        assert (row.wait_seconds, row.talk_seconds, row.hold_seconds, row.outcome) == (19, 181, 20, "answered")
        lines = session.exec(select(TimelineEvent).where(TimelineEvent.kind == "inbound_call")).all()
        assert [line.id for line in lines] == [row.timeline_event_id], "one line per call, however many snapshots"

    headers = mint_headers(runtime, "anna")
    for language, text in (
        ("en", "Customer called; answered by Boris (the owner's cover) after 19 s, talked 181 s"),
        ("ru", "Клиент позвонил; ответил(а) Boris (заместитель владельца) через 19 с, разговор 181 с"),
    ):
        history = api.get(f"/api/v1/customers/{order.customer_id}", headers={**headers, "Accept-Language": language})
        assert history.status_code == 200, history.text
        [line] = [event for event in history.json()["timeline"] if event["kind"] == "inbound_call"]
        assert line["text"] == text


def test_an_unknown_callers_call_is_attached_by_the_operator_who_answered(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    runtime, engine = frozen_okno.order_confirm, frozen_okno.order_confirm.engine
    t0 = clock()
    shop, other_shop = add_tenant(engine, "tea", now=t0), add_tenant(engine, "coffee", now=t0)
    sup = add_operator(engine, "sup", Role.SUPERVISOR, [shop], now=t0)
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=t0, supervisor_id=sup)
    add_operator(engine, "boris", Role.OPERATOR, [shop], now=t0, supervisor_id=sup)
    add_operator(engine, "root", Role.ADMIN, [other_shop], now=t0)
    order = add_order(engine, shop, anna, now=t0, phone="+79161234567")
    second = add_order(engine, shop, anna, now=t0, phone="+79161234599")
    foreign = add_order(engine, other_shop, None, now=t0)
    answered, abandoned = uuid.uuid4(), uuid.uuid4()
    deliver(runtime, CALL, "tea", call_updated(
        answered, 5, "inbound", state="ended", outcome="answered", customer_number="+79035550000", operator_id=anna,
        answered_role="other", offered_at=t0, answered_at=t0 + timedelta(seconds=4),
        ended_at=t0 + timedelta(seconds=64), wait_seconds=4, talk_seconds=60,
    ))  # fmt: skip
    deliver(runtime, CALL, "tea", call_updated(
        abandoned, 3, "inbound", state="ended", outcome="abandoned", abandoned=True, offered_at=t0,
        ended_at=t0 + timedelta(seconds=30), wait_seconds=30,
    ))  # fmt: skip
    anna_h, boris_h = mint_headers(runtime, "anna"), mint_headers(runtime, "boris")
    sup_h, root_h = mint_headers(runtime, "sup"), mint_headers(runtime, "root")
    attach = f"/api/v1/calls/{answered}/attach"

    not_his = api.post(attach, json={"order_id": order.order_id}, headers=boris_h)
    assert (not_his.status_code, not_his.json()["code"]) == (404, "inbound_call_not_found"), "only who answered"
    other_tenant = api.post(attach, json={"order_id": foreign.order_id}, headers=root_h)
    assert (other_tenant.status_code, other_tenant.json()["code"]) == (404, "inbound_call_not_found")
    missing_order = api.post(attach, json={"order_id": foreign.order_id}, headers=anna_h)
    assert (missing_order.status_code, missing_order.json()["code"]) == (404, "not_found")

    clock.advance(seconds=120)
    done = api.post(attach, json={"order_id": order.order_id}, headers=anna_h)
    assert done.status_code == 200, done.text
    assert done.json() | {"answered_at": None} == {
        "call_id": str(answered), "customer_id": order.customer_id, "order_id": order.order_id, "operator_id": anna,
        "answered_at": None, "attached_by_id": anna, "attached_at": clock().isoformat().replace("+00:00", "Z"),
    }  # fmt: skip
    again = api.post(attach, json={"order_id": order.order_id}, headers=anna_h)
    assert again.status_code == 200 and again.json() == done.json(), "attaching again is the same answer"
    elsewhere = api.post(attach, json={"order_id": second.order_id}, headers=sup_h)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "call_already_attached")
    unanswered = api.post(f"/api/v1/calls/{abandoned}/attach", json={"order_id": order.order_id}, headers=sup_h)
    assert (unanswered.status_code, unanswered.json()["code"]) == (409, "call_not_answered")

    history = api.get(f"/api/v1/customers/{order.customer_id}", headers={**anna_h, "Accept-Language": "en"}).json()
    [line] = [event for event in history["timeline"] if event["kind"] == "inbound_call"]
    assert line[
        "text"
    ] == "Customer called; answered by Anna (another operator) after 4 s, talked 60 s (about order " + (
        history["orders"][0]["external_id"] + ")"
    )
    with Session(engine) as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "inbound_call.attached")).all()
        assert (entry.entity_id, entry.actor_id, entry.after) == (
            str(answered),
            anna,
            {"customer_id": order.customer_id, "order_id": order.order_id},
        )
    # A later snapshot of the call does not undo the operator's attachment.
    deliver(runtime, CALL, "tea", call_updated(
        answered, 6, "inbound", state="ended", outcome="answered", operator_id=anna, offered_at=t0,
        answered_at=t0 + timedelta(seconds=4), ended_at=t0 + timedelta(seconds=64), wait_seconds=4, talk_seconds=60,
    ))  # fmt: skip
    with Session(engine) as session:
        row = session.get(InboundCall, str(answered))
        assert row is not None and (row.customer_id, row.order_id, row.revision) == (
            order.customer_id,
            order.order_id,
            6,
        )


def test_a_callback_request_opens_one_task_for_the_owner_or_the_pool(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    runtime, engine = frozen_okno.order_confirm, frozen_okno.order_confirm.engine
    t0 = clock()
    shop = add_tenant(engine, "tea", now=t0)
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=t0)
    order = add_order(engine, shop, anna, now=t0, phone="+79161234567")
    known_call, unknown_call = uuid.uuid4(), uuid.uuid4()
    request = CallbackRequested(
        call_id=known_call, customer_id=order.customer_id, owner_id=None, requested_number="+79161230000",
        caller_number="+79161234567", reason="pressed_key", requested_at=t0,
    )  # fmt: skip
    body = deliver(runtime, MessageType.CALLBACK_REQUESTED, "tea", request)
    redeliver(runtime, MessageType.CALLBACK_REQUESTED, body)
    deliver(runtime, MessageType.CALLBACK_REQUESTED, "tea", request)  # notify sent it twice: one task still
    stranger = CallbackRequested(
        call_id=unknown_call, requested_number="+79035550000", reason="queue_timeout", requested_at=t0,
    )  # fmt: skip
    deliver(runtime, MessageType.CALLBACK_REQUESTED, "tea", stranger)
    with Session(engine) as session:
        tasks = session.exec(select(Task).where(Task.kind == "callback").order_by(col(Task.id))).all()
        assert [(t.customer_id, t.assignee_id, t.status, t.due_at, t.order_id) for t in tasks] == [
            (order.customer_id, anna, "open", t0, None),
            (tasks[1].customer_id, None, "open", t0, None),
        ], "the owner decided by order_confirm (notify did not know one); an unknown caller goes to the pool"
        assert "+79161230000" in (tasks[0].note or ""), "the number the caller asked to be called at"
        newcomer = session.get(Customer, tasks[1].customer_id)
        assert newcomer is not None and (newcomer.phone_e164, newcomer.owner_id, newcomer.tenant_id) == (
            "+79035550000",
            None,
            shop,
        )
        audited = session.exec(select(AuditEntry).where(AuditEntry.action == "task.callback_requested_by_phone")).all()
        assert sorted(int(entry.entity_id) for entry in audited) == sorted(t.id or 0 for t in tasks)
    history = api.get(
        f"/api/v1/customers/{order.customer_id}", headers={**mint_headers(runtime, "anna"), "Accept-Language": "en"}
    ).json()
    assert [e["text"] for e in history["timeline"] if e["kind"] == "phone_callback_requested"] == [
        "Customer asked by phone to be called back at +79161230000 (pressed the callback key)"
    ]


def test_recordings_are_linked_to_their_calls_in_any_order(frozen_okno: Okno, clock: FrozenClock) -> None:
    runtime, engine = frozen_okno.order_confirm, frozen_okno.order_confirm.engine
    t0 = clock()
    shop = add_tenant(engine, "tea", now=t0)
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=t0)
    order = add_order(engine, shop, anna, now=t0, phone="+79161234567")
    kept, overtaken, call_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def available(recording_id: uuid.UUID) -> RecordingAvailable:
        return RecordingAvailable(
            recording_id=recording_id, call_id=call_id, direction="outbound", order_id=order.order_id,
            customer_id=order.customer_id, operator_id=anna, attempt_id=None, duration_seconds=80,
            started_at=t0, delete_after=t0 + timedelta(days=90), recorded_at=t0 + timedelta(seconds=100),
        )  # fmt: skip

    body = deliver(runtime, MessageType.RECORDING_AVAILABLE, "tea", available(kept))
    redeliver(runtime, MessageType.RECORDING_AVAILABLE, body)
    gone = RecordingDeleted(recording_id=overtaken, call_id=call_id, reason="requested", deleted_at=t0)
    deliver(runtime, MessageType.RECORDING_DELETED, "tea", gone)
    deliver(runtime, MessageType.RECORDING_AVAILABLE, "tea", available(overtaken))  # arrived after its deletion
    with Session(engine) as session:
        rows = {row.recording_id: row for row in session.exec(select(CallRecording))}
        assert set(rows) == {str(kept), str(overtaken)}
        first = rows[str(kept)]
        assert (first.call_id, first.order_id, first.customer_id, first.operator_id) == (
            str(call_id),
            order.order_id,
            order.customer_id,
            anna,
        )
        assert (first.duration_seconds, first.deleted_at) == (80, None)
        assert (rows[str(overtaken)].deleted_at, rows[str(overtaken)].deleted_reason) == (t0, "requested"), (
            "a deleted recording stays deleted"
        )
    deliver(runtime, MessageType.RECORDING_DELETED, "tea", RecordingDeleted(
        recording_id=kept, call_id=call_id, reason="retention", deleted_at=t0 + timedelta(days=90)
    ))  # fmt: skip
    with Session(engine) as session:
        row = session.get(CallRecording, str(kept))
        assert row is not None and (row.deleted_at, row.deleted_reason) == (t0 + timedelta(days=90), "retention")
