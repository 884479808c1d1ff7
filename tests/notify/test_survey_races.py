"""Twilio's retries racing their original over real HTTP: each step is applied once, every copy gets its reply.

On PostgreSQL a retry that waited for the survey row's lock reads the stored steps on a snapshot taken before
the original committed; the step's write must notice and replay the original's reply instead of failing.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from services.notify.app import create_app
from tests.fakes.twilio import VoiceCall
from tests.notify.survey_support import PUBLIC_BASE_URL, SurveyDesk
from tests.notify.test_survey_call import due_survey
from tests.support import live_server

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
