"""Twilio's retries racing their original over real HTTP: each step is applied once, every copy gets its reply.

On PostgreSQL a retry that waited for the survey row's lock reads the stored steps on a snapshot taken before
the original committed; the step's write must notice and replay the original's reply instead of failing.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from sqlmodel import Session, col, select

from services.common.db import is_sqlite
from services.notify.app import create_app
from services.notify.models import OutboxMessage
from services.notify.surveys.step_sql import DriverSteps
from services.notify.surveys.step_store import STALE, StepRow
from tests.fakes.twilio import VoiceCall
from tests.notify.survey_support import PUBLIC_BASE_URL, SurveyDesk
from tests.notify.test_survey_call import due_survey
from tests.support import live_server, run_coroutine, wait_until

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
    waited for another request's transaction, which waited for the loop (503 database_busy). On PostgreSQL
    the step hands its report to the batch relay."""
    desk.runtime.outbox.relay_enabled = True
    relayed: set[int] = set()
    desk.runtime.outbox.before_publish = relayed.update  # the relay is about to publish these rows
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
    # The relay ran for every report, right after its step (the sweep's grace period is far longer).
    wait_until(lambda: relayed == _report_rows(desk), timeout=20)


def _report_rows(desk: SurveyDesk) -> set[int]:
    with Session(desk.runtime.engine) as session:
        return {row_id for row_id in session.exec(select(col(OutboxMessage.id))) if row_id is not None}


def test_a_step_whose_read_another_webhook_changed_writes_nothing_and_is_applied_again_under_the_lock(
    desk: SurveyDesk,
) -> None:
    """PostgreSQL reads the survey without a lock; the store checks nothing changed since (compare and set)."""
    if is_sqlite(desk.runtime.engine):
        pytest.skip("SQLite applies every step in one BEGIN IMMEDIATE transaction")
    survey_id = due_survey(desk, language="en")
    phone = desk.ring(survey_id)
    phone.answer()
    call_sid = desk.survey(survey_id).call_sid
    assert call_sid is not None
    url = desk.runtime.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def scenario() -> tuple[object, object]:
        driver, other = await asyncpg.connect(url), await asyncpg.connect(url)
        try:
            steps = DriverSteps(driver, desk.runtime.outbox)
            found = await steps.locked(survey_id, call_sid, "csat:1")
            assert found is not None and found[1] is None
            # Another webhook of the call changes the survey between this step's read and its store.
            await other.execute("UPDATE survey_calls SET call_status = 'ringing-again' WHERE id = $1", survey_id)
            found[0].csat = 4
            stale = await steps.store(found[0], _csat_step(survey_id, call_sid), closed=False)
            again = await steps.locked(survey_id, call_sid, "csat:1")  # now in a transaction, row locked
            assert again is not None and again[0].call_status == "ringing-again" and again[0].csat is None
            again[0].csat = 4
            stored = await steps.store(again[0], _csat_step(survey_id, call_sid), closed=False)
            await steps.end(commit=True)
            return stale, stored
        finally:
            await driver.close()
            await other.close()

    stale, stored = run_coroutine(scenario())
    assert stale is STALE and stored is None
    survey = desk.survey(survey_id)
    assert survey.csat == 4 and survey.call_status == "ringing-again"  # the other change was kept
    assert [s.step for s in desk.steps(survey_id)].count("csat:1") == 1


def _csat_step(survey_id: int, call_sid: str) -> StepRow:
    return StepRow(survey_id, call_sid, "csat:1", "4", "<Response />", datetime.now(UTC))
