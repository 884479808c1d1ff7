"""Inbound one window, with the tests as Twilio: signed posts, TwiML read and followed, a frozen clock."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from services.common.db import transaction
from services.notify.telephony.inbound.wakeup import wake_all
from services.notify.telephony.models import VoiceCall
from services.notify.telephony.sweep import sweep
from services.notify.telephony.twilio.calls import TwilioCalls
from tests.fakes.twilio import FakeTwilio
from tests.notify.telephony.inbound_support import SHOP_NUMBER, Desk, inbound_desk
from tests.notify.telephony.support import TENANT
from tests.support import FrozenClock, wait_until, waiting_on_a_lock

OWNER, COVER, ANNA, BORIS = 7, 9, 11, 12
CUSTOMER_PHONE = "+79161234567"


@pytest.fixture
def desk(database_url: str, clock: FrozenClock, twilio_server: tuple[FakeTwilio, str]) -> Iterator[Desk]:
    twilio, url = twilio_server
    twilio.updates.clear()
    with inbound_desk(database_url, clock, twilio, url) as instance:
        instance.settings()
        instance.customer(42, CUSTOMER_PHONE, OWNER)
        instance.cover(OWNER, COVER)
        yield instance


def team(desk: Desk, *operators: int) -> None:
    for operator_id in operators:
        desk.presence(operator_id)


def on_another_call(desk: Desk, operator_id: int) -> None:
    """The operator talks on an outbound call of theirs: their line is busy."""
    with transaction(desk.runtime.engine) as session:
        session.add(
            VoiceCall(
                id=str(uuid.uuid4()),
                tenant_id=TENANT,
                direction="outbound",
                state="in_progress",
                operator_id=operator_id,
                offered_at=desk.clock(),
                answered_at=desk.clock(),
                updated_at=desk.clock(),
            )
        )


def test_a_known_customer_rings_their_owner_who_answers(desk: Desk) -> None:
    team(desk, OWNER, COVER, ANNA)
    phone = desk.dial_in("8 916 123-45-67")  # as the network may give it: normalized with the tenant's country
    ring = phone.now
    assert ring.client == "operator_7"
    assert ring.dial is not None
    assert ring.dial.attrib["timeout"] == "15" and ring.dial.attrib["answerOnBridge"] == "true"
    assert ring.dial.attrib["action"].endswith(f"/twilio/voice/calls/{phone.call_id}/dial-ended")
    assert "record" not in ring.dial.attrib  # the tenant does not record
    assert ring.parameters == {
        "call_id": phone.call_id,
        "tenant": TENANT,
        "customer_id": "42",
        "role": "owner",
        "caller": CUSTOMER_PHONE,
    }

    desk.clock.advance(seconds=6)
    phone.operator_answers()
    desk.clock.advance(seconds=120)
    assert phone.dial_ends("completed", DialCallDuration="120").hangup
    phone.hang_up()

    updates = desk.updates(phone.call_id)
    assert [u.state for u in updates] == ["ringing", "in_progress", "ended"]
    assert [u.revision for u in updates] == [1, 2, 3]
    last = updates[-1]
    assert (last.operator_id, last.answered_role, last.owner_id, last.customer_id) == (OWNER, "owner", OWNER, 42)
    assert (last.wait_seconds, last.talk_seconds, last.outcome, last.abandoned) == (6, 120, "answered", False)
    assert [(o.operator_id, o.role, o.result) for o in last.offers] == [(OWNER, "owner", "answered")]
    assert last.line_number == SHOP_NUMBER and last.customer_number == CUSTOMER_PHONE


def test_owner_busy_the_caller_waits_then_the_cover_then_anyone(desk: Desk) -> None:
    team(desk, OWNER, COVER, ANNA, BORIS)
    on_another_call(desk, OWNER)
    on_another_call(desk, COVER)
    phone = desk.dial_in()
    assert phone.now.client is None and "1" in phone.now.text  # queued: position 1, hold music
    assert phone.now.gather is not None and phone.now.gather.attrib["numDigits"] == "1"

    desk.clock.advance(seconds=14)
    assert phone.wait().client is None  # still the owner's turn: nobody else is rung
    desk.clock.advance(seconds=1)
    finish_calls_of(desk, COVER)  # the cover's other call ends
    assert phone.wait().client == "operator_9"
    assert phone.now.parameters["role"] == "cover"
    assert phone.now.dial is not None and phone.now.dial.attrib["timeout"] == "15"

    desk.clock.advance(seconds=15)
    after_cover = phone.dial_ends("no-answer")  # the cover did not pick up: anyone free, idle longest
    assert after_cover.client in ("operator_11", "operator_12")
    assert after_cover.parameters["role"] == "other"
    desk.clock.advance(seconds=3)
    phone.operator_answers()
    last = desk.updates(phone.call_id)[-1]
    assert last.state == "in_progress" and last.answered_role == "other" and last.wait_seconds == 33
    assert [(o.operator_id, o.result) for o in last.offers] == [(COVER, "no_answer"), (last.operator_id, "answered")]


def finish_calls_of(desk: Desk, operator_id: int) -> None:
    with transaction(desk.runtime.engine) as session:
        for call in desk.calls():
            if call.operator_id == operator_id and call.state != "ended":
                row = session.get(VoiceCall, call.id)
                assert row is not None
                row.state, row.ended_at = "ended", desk.clock()
                session.add(row)


def test_an_unknown_caller_rings_whoever_is_idle_longest_at_once(desk: Desk) -> None:
    team(desk, OWNER, ANNA, BORIS)
    first = desk.dial_in("+79160000001")
    assert first.now.client is not None and first.now.parameters["customer_id"] == ""
    assert first.now.parameters["role"] == "other" and first.now.dial is not None
    assert first.now.dial.attrib["timeout"] == "20"  # the tenant's ring time
    second = desk.dial_in("+79160000002")
    third = desk.dial_in("+79160000003")
    rung = {first.now.client, second.now.client, third.now.client}
    assert rung == {"operator_7", "operator_11", "operator_12"}  # nobody is offered two calls
    fourth = desk.dial_in("+79160000004")
    assert fourth.now.client is None and "1" in fourth.now.text


def test_queue_and_press_1_requests_a_callback_for_the_owner(desk: Desk) -> None:
    phone = desk.dial_in()  # nobody signed in
    desk.clock.advance(seconds=40)
    phone.wait()
    desk.clock.advance(seconds=5)
    goodbye = phone.press("1")
    assert goodbye.hangup and "перезвоним" in goodbye.text

    [request] = desk.callbacks()
    assert (request.reason, request.customer_id, request.owner_id) == ("pressed_key", 42, OWNER)
    assert request.requested_number == CUSTOMER_PHONE and str(request.call_id) == phone.call_id
    last = desk.updates(phone.call_id)[-1]
    assert (last.state, last.outcome, last.wait_seconds, last.abandoned) == ("ended", "callback_requested", 45, False)
    phone.hang_up()  # the caller's leg ends after the goodbye: not an abandon
    assert desk.updates(phone.call_id)[-1].revision == last.revision


def test_a_withheld_number_types_the_number_to_call_back(desk: Desk) -> None:
    phone = desk.dial_in("anonymous")
    other_key = phone.press("5")  # not the callback key: still queued
    assert other_key.gather is not None and not desk.callbacks()
    asked = phone.press("1")
    assert asked.gather is not None and asked.gather.attrib["finishOnKey"] == "#"
    again = phone.press("12#")
    assert "не удалось" in again.text and not desk.callbacks()
    phone.press("1")
    done = phone.press("8 916 765 43 21#".replace(" ", ""))
    assert done.hangup
    [request] = desk.callbacks()
    assert (request.requested_number, request.caller_number, request.customer_id) == ("+79167654321", None, None)


def test_a_caller_who_hangs_up_while_queued_is_abandoned_once(desk: Desk) -> None:
    quick = desk.dial_in()
    desk.clock.advance(seconds=3)
    quick.hang_up()
    quick.hang_up()  # Twilio retries the callback
    quick.status("ringing")  # a late, older callback
    patient = desk.dial_in("+79160000009")
    desk.clock.advance(seconds=25)
    patient.status("completed", Timestamp="Mon, 23 Nov 2026 09:00:22 +0000")  # Twilio's own time of the event
    patient.status("canceled")

    [quick_end] = [u for u in desk.updates(quick.call_id) if u.state == "ended"]
    assert (quick_end.outcome, quick_end.abandoned, quick_end.short_abandon, quick_end.wait_seconds) == (
        "abandoned",
        True,
        True,
        3,
    )
    [patient_end] = [u for u in desk.updates(patient.call_id) if u.state == "ended"]
    assert (patient_end.abandoned, patient_end.short_abandon, patient_end.wait_seconds) == (True, False, 19)


def test_hanging_up_while_an_operator_rings_frees_the_operator(desk: Desk) -> None:
    team(desk, OWNER)
    phone = desk.dial_in()
    assert phone.now.client == "operator_7"
    desk.clock.advance(seconds=8)
    phone.hang_up()
    assert phone.dial_ends("canceled").hangup  # Twilio's late <Dial action> changes nothing
    last = desk.updates(phone.call_id)[-1]
    assert (last.outcome, last.abandoned, last.short_abandon) == ("abandoned", True, False)
    assert [(o.operator_id, o.result) for o in last.offers] == [(OWNER, "canceled")]
    assert desk.dial_in("+79160000009").now.client == "operator_7"  # the owner's line is free again


def test_recording_with_announcement(desk: Desk) -> None:
    desk.settings(revision=2, recording=True, announcement=True, language="en")
    team(desk, ANNA)
    phone = desk.dial_in("+79160000001")
    assert phone.now.says == ["This call may be recorded for quality purposes."]
    assert phone.now.dial is not None and phone.now.dial.attrib["record"] == "record-from-answer-dual"
    assert phone.now.dial.attrib["recordingStatusCallback"].endswith(f"/calls/{phone.call_id}/recording")


def test_closed_and_queue_timeout_promise_a_callback(desk: Desk) -> None:
    waiting = desk.dial_in()
    desk.clock.advance(seconds=600)
    assert waiting.wait().hangup
    desk.settings(revision=2, enabled=False)
    closed = desk.dial_in("+79160000005")
    assert closed.now.hangup and "не принимаем" in closed.now.text
    assert [(r.reason, r.requested_number) for r in desk.callbacks()] == [
        ("queue_timeout", CUSTOMER_PHONE),
        ("closed", "+79160000005"),
    ]


def test_a_withheld_number_is_asked_for_one_when_closed_or_waiting_too_long(desk: Desk) -> None:
    waiting = desk.dial_in("anonymous")
    desk.clock.advance(seconds=600)
    asked = waiting.wait()
    assert asked.gather is not None and not asked.hangup and "Введите номер" in asked.text
    assert asked.redirect == asked.gather.attrib["action"]  # no keys: the same question, answered empty
    done = waiting.press("89167654321#")
    assert done.hangup and "перезвоним" in done.text
    assert desk.updates(waiting.call_id)[-1].outcome == "callback_requested"

    desk.settings(revision=2, enabled=False)
    closed = desk.dial_in("anonymous")
    assert closed.now.gather is not None and "Введите номер" in closed.now.text
    again = closed.press("12#")  # not a number: asked again, nothing requested
    assert "не удалось" in again.text and again.gather is not None
    assert closed.press("+7 916 000-00-07".replace(" ", "").replace("-", "")).hangup
    assert [(r.reason, r.requested_number, r.caller_number) for r in desk.callbacks()] == [
        ("queue_timeout", "+79167654321", None),
        ("closed", "+79160000007", None),
    ]

    silent = desk.dial_in("anonymous")
    goodbye = silent.wait()  # no keys: Twilio goes on to the <Redirect>
    assert goodbye.hangup and "позвоните позже" in goodbye.text
    assert desk.updates(silent.call_id)[-1].outcome == "unavailable"
    assert len(desk.callbacks()) == 2


def test_a_retried_inbound_webhook_is_the_same_call_and_rings_again(desk: Desk) -> None:
    team(desk, OWNER)
    phone = desk.dial_in()
    assert phone.now.client == "operator_7"
    # Twilio did not get the answer and asks again: the caller is not in that <Dial>, so it is rung anew.
    again = phone.fetch("/twilio/voice/inbound", CallStatus="ringing")
    assert again.client == "operator_7"
    assert len(desk.calls()) == 1
    offers = desk.updates(phone.call_id)[-1].offers
    assert [(o.operator_id, o.result) for o in offers] == [(OWNER, "canceled"), (OWNER, None)]
    phone.operator_answers()
    assert desk.updates(phone.call_id)[-1].answered_role == "owner"


def test_a_bad_signature_is_refused_and_changes_nothing(desk: Desk) -> None:
    team(desk, OWNER)
    form = {"CallSid": "CA" + "f" * 32, "From": CUSTOMER_PHONE, "To": SHOP_NUMBER, "CallStatus": "ringing"}
    response = desk.post("/twilio/voice/inbound", form, signature="forged")
    assert response.status_code == 403
    assert response.json()["code"] == "twilio_signature_invalid"
    assert desk.calls() == [] and desk.updates() == []
    unsigned = desk.http.post("/twilio/voice/status", data={**form, "CallStatus": "completed"})
    assert unsigned.status_code == 403


def test_a_number_nobody_claims_is_not_in_service(desk: Desk) -> None:
    phone = desk.dial_in(to="+74959999999")
    assert phone.now.hangup and "not in service" in phone.now.text and desk.calls() == []


def test_the_sweep_closes_calls_twilio_went_silent_about_and_frees_stuck_lines(desk: Desk) -> None:
    team(desk, OWNER, ANNA)
    talking = desk.dial_in()  # the owner answers; then no callback ever comes (the browser died, Twilio lost it)
    talking.operator_answers()
    ringing = desk.dial_in("+79160000001")  # Anna's phone rings; its <Dial action> never comes
    assert ringing.now.client == "operator_11"
    queued = desk.dial_in("+79160000002")
    assert queued.now.client is None

    desk.clock.advance(minutes=12)
    assert sweep(desk.runtime) == (1, 0)  # Anna's line is free again; the calls are not stale yet
    desk.clock.advance(hours=4)
    assert sweep(desk.runtime) == (0, 3)
    assert sweep(desk.runtime) == (0, 0)
    ends = {u.call_id: (u.outcome, u.abandoned) for u in desk.updates() if u.state == "ended"}
    assert ends == {
        uuid.UUID(talking.call_id): ("answered", False),
        uuid.UUID(ringing.call_id): ("abandoned", True),
        uuid.UUID(queued.call_id): ("abandoned", True),
    }
    offers = desk.updates(ringing.call_id)[-1].offers
    assert [(o.operator_id, o.result) for o in offers] == [(ANNA, "no_answer")]


def test_a_waiting_caller_is_rung_as_soon_as_an_operator_is_free(desk: Desk) -> None:
    team(desk, ANNA)
    first = desk.dial_in("+79160000001")
    second = desk.dial_in("+79160000002")
    assert first.now.client == "operator_11" and second.now.client is None
    first.operator_answers()
    desk.clock.advance(seconds=60)
    assert desk.twilio.updates == []  # nobody free yet: nobody woken
    first.dial_ends("completed", DialCallDuration="60")  # Anna hangs up: the second caller is moved at once
    assert second.redirected().client == "operator_11"

    third = desk.dial_in("+79160000003")
    assert third.now.client is None
    desk.presence(BORIS)  # Boris signs in: the periodic pass finds him for the third caller
    assert wake_all(desk.runtime) == 1
    assert third.redirected().client == "operator_12"
    assert wake_all(desk.runtime) == 0


def test_a_wake_up_never_redirects_a_caller_rung_since_it_was_picked(desk: Desk) -> None:
    """A REST redirect of a leg in a <Dial> pulls it out of the bridge: a caller rung (or answered) a moment
    before the wake-up must not be moved. Reproduced without timing: the caller's own webhook holds its row
    and rings it while the wake-up, having read it queued, waits for the row."""
    if desk.runtime.engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite has one writer at a time")
    team(desk, ANNA)
    on_another_call(desk, ANNA)
    phone = desk.dial_in("+79160000001")
    assert phone.now.client is None  # Anna's line is busy: queued
    with transaction(desk.runtime.engine) as session:  # her outbound call ends: notify's pass wakes callers
        [busy] = [c for c in desk.calls() if c.direction == "outbound"]
        outbound = session.get(VoiceCall, busy.id)
        assert outbound is not None
        outbound.state, outbound.ended_at = "ended", desk.clock()
        session.add(outbound)

    woken: list[int] = []
    with desk.runtime.engine.connect() as own_webhook:
        own_webhook.begin()
        own_webhook.execute(text("SELECT id FROM voice_calls WHERE id = :id FOR UPDATE"), {"id": phone.call_id})
        waker = threading.Thread(target=lambda: woken.append(wake_all(desk.runtime)), daemon=True)
        waker.start()
        wait_until(
            lambda: not waker.is_alive() or waiting_on_a_lock(desk.runtime.engine),
            timeout=30,
            message="the wake-up to finish or wait for the caller's row",
        )
        own_webhook.execute(text("UPDATE voice_calls SET state = 'ringing' WHERE id = :id"), {"id": phone.call_id})
        own_webhook.commit()
    waker.join(timeout=30)
    assert not waker.is_alive() and woken == [0]
    assert [u for u in desk.twilio.updates if u.sid == phone.sid] == []


def test_a_wake_up_holds_one_callers_row_at_a_time(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """While one caller is redirected, every other waiting caller's row is free: their own queue loop (which
    may ring them) never waits for REST calls about someone else."""
    if desk.runtime.engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite has one writer at a time")
    team(desk, ANNA)
    on_another_call(desk, ANNA)
    phones = [desk.dial_in("+79160000001"), desk.dial_in("+79160000002")]
    assert [phone.now.client for phone in phones] == [None, None]
    with transaction(desk.runtime.engine) as session:  # her outbound call ends, and Boris signs in
        [busy] = [c for c in desk.calls() if c.direction == "outbound"]
        outbound = session.get(VoiceCall, busy.id)
        assert outbound is not None
        outbound.state, outbound.ended_at = "ended", desk.clock()
        session.add(outbound)
    desk.presence(BORIS)
    free_during_redirect: list[int] = []
    redirect = TwilioCalls.redirect

    def observed(self: TwilioCalls, call_sid: str, url: str) -> None:
        with desk.runtime.engine.connect() as other:  # which waiting callers' rows could be locked right now
            free = other.execute(
                text(
                    "SELECT count(*) FROM (SELECT id FROM voice_calls WHERE state = 'queued' FOR UPDATE SKIP LOCKED) f"
                )
            ).scalar_one()
            other.rollback()
        free_during_redirect.append(free)
        redirect(self, call_sid, url)

    monkeypatch.setattr(TwilioCalls, "redirect", observed)
    assert wake_all(desk.runtime) == 2
    assert free_during_redirect == [1, 1], "the caller being redirected is locked, the other is not"
    assert {update.sid for update in desk.twilio.updates} == {phone.sid for phone in phones}


def test_a_caller_whose_redirect_is_on_its_way_is_not_redirected_again(desk: Desk) -> None:
    """Every freed line's callbacks wake the queue; until the caller's `…/wait` arrives, waking them again
    would only repeat the REST call and the decision (a 200-caller burst made 823 redirects for 200 calls)."""
    team(desk, ANNA)
    first = desk.dial_in("+79160000001")
    second = desk.dial_in("+79160000002")
    first.operator_answers()
    desk.presence(BORIS)
    assert wake_all(desk.runtime) == 1
    assert wake_all(desk.runtime) == 0, "the first redirect is still on its way"
    assert len(desk.twilio.updates) == 1
    assert second.redirected().client == "operator_12"


def test_an_operator_who_takes_calls_on_their_phone_is_rung_on_it(desk: Desk) -> None:
    """The line and number come with the operators' read (no second read of their presence to ring them)."""
    desk.presence(ANNA, line="phone", phone_number="+79160000011")
    phone = desk.dial_in("+79160000001")  # unknown: any free operator
    ring = phone.now
    assert ring.dial is not None and ring.client is None
    assert ring.dial.findtext("Number") == "+79160000011"
