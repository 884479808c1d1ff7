"""Twilio's retries racing their original over real HTTP: each step is applied once, every copy gets its reply.

On PostgreSQL a retry that waited for the survey row's lock reads the stored steps on a snapshot taken before
the original committed; the step's write must notice and replay the original's reply instead of failing.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import Session, col, select

from services.notify.app import create_app
from services.notify.models import OutboxMessage
from tests.fakes.twilio import VoiceCall
from tests.notify.survey_support import PUBLIC_BASE_URL, SurveyDesk
from tests.notify.test_survey_call import due_survey
from tests.support import live_server, wait_until

COPIES = 8


def _all_at_once(base_url: str, phone: VoiceCall, url: str, form: dict[str, str]) -> list[httpx.Response]:
    start = threading.Barrier(COPIES)

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            copy = VoiceCall(phone.twilio, phone.call, http, PUBLIC_BASE_URL)
            start.wait()
            return copy.post(url, form)

    with ThreadPoolExecutor(COPIES) as pool:
        return list(pool.map(send, range(COPIES)))


def test_racing_copies_of_a_step_count_once_and_get_the_same_reply(desk: SurveyDesk) -> None:
    survey_id = due_survey(desk, language="en")
    phone = desk.ring(survey_id)
    phone.answer()
    csat_action = phone.turn.gather_action if phone.turn else None
    assert csat_action is not None
    with live_server(create_app(desk.runtime)) as base_url:
        answers = _all_at_once(base_url, phone, csat_action, phone.form(Digits="4"))
        assert [a.status_code for a in answers] == [200] * COPIES, [a.text for a in answers]
        assert len({a.text for a in answers}) == 1 and "<Gather" in answers[0].text
        assert [s.step for s in desk.steps(survey_id)].count("csat:1") == 1

        assert phone.call.status_callback is not None
        ends = _all_at_once(base_url, phone, phone.call.status_callback, phone.form(CallStatus="completed"))
        assert [e.status_code for e in ends] == [204] * COPIES, [e.text for e in ends]
    survey = desk.survey(survey_id)
    assert survey.csat == 4 and survey.status == "partial"  # hung up before the NPS question
    assert len(desk.reports()) == 1 and desk.reports()[0].csat == 4


def test_many_calls_ending_at_once_publish_their_reports_without_stalling(desk: SurveyDesk) -> None:
    """The relay of a step committed on the event loop runs off the loop: on SQLite a relay write on the loop
    waited for another request's transaction, which waited for the loop (503 database_busy)."""
    desk.runtime.outbox.relay_enabled = True
    phones = []
    for attempt in range(1, 31):
        survey_id = due_survey(desk, attempt_id=attempt, customer_id=attempt)
        phone = desk.ring(survey_id)
        phone.answer()
        phones.append(phone)
    with live_server(create_app(desk.runtime)) as base_url:
        start = threading.Barrier(len(phones))

        def press_and_hang_up(phone: VoiceCall) -> list[int]:
            with httpx.Client(base_url=base_url, timeout=60) as http:
                copy = VoiceCall(phone.twilio, phone.call, http, PUBLIC_BASE_URL)
                action = phone.turn.gather_action if phone.turn else None
                assert action is not None
                start.wait()
                codes = [copy.post(action, copy.form(Digits="4")).status_code]
                assert phone.call.status_callback is not None
                codes.append(copy.post(phone.call.status_callback, copy.form(CallStatus="completed")).status_code)
                return codes

        with ThreadPoolExecutor(len(phones)) as pool:
            codes = list(pool.map(press_and_hang_up, phones))
    assert codes == [[200, 204]] * len(phones)
    assert len(desk.reports()) == len(phones)
    # The relay ran for every report (this broker has no order_confirm queue, so each attempt is recorded).
    wait_until(lambda: _relayed(desk) == len(phones), timeout=20)


def _relayed(desk: SurveyDesk) -> int:
    attempted = (col(OutboxMessage.publish_attempts) > 0) | col(OutboxMessage.published_at).is_not(None)
    with Session(desk.runtime.engine) as session:
        return len(session.exec(select(OutboxMessage).where(attempted)).all())
