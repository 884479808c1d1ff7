"""The survey call as Twilio runs it: our tests are Twilio (REST + signed webhooks) and the customer's keypad."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from twilio.request_validator import RequestValidator

from tests.notify.survey_support import CALLER_ID, PUBLIC_BASE_URL, SurveyDesk


def due_survey(desk: SurveyDesk, **overrides: Any) -> int:
    survey = desk.conversation(**overrides)
    assert survey.status == "scheduled"
    desk.clock.advance(minutes=2)  # the default delay after the operator's call
    assert survey.id is not None
    return survey.id


def test_customer_answers_everything_and_asks_for_a_supervisor(desk: SurveyDesk) -> None:
    survey_id = due_survey(desk)
    phone = desk.ring(survey_id)

    placed = phone.call
    assert placed.to == "+79161234567"
    assert placed.from_ == CALLER_ID
    assert placed.url == f"{PUBLIC_BASE_URL}/twilio/surveys/{survey_id}/start"
    assert placed.status_callback == f"{PUBLIC_BASE_URL}/twilio/surveys/{survey_id}/status"
    assert placed.status_callback_events == ["initiated", "ringing", "answered", "completed"]
    assert placed.machine_detection == "Enable"
    assert placed.timeout == 25

    greeting = phone.answer()
    assert "Здравствуйте" in greeting.text and "от одного до пяти" in greeting.text
    assert greeting.num_digits == 1
    nps = phone.press("4")
    assert "от нуля до десяти" in nps.text and nps.finish_on_key == "#"
    last = phone.press("10#")
    assert "руководитель" in last.text
    goodbye = phone.press("1")
    assert goodbye.hangup and "Спасибо" in goodbye.text
    phone.hang_up()

    [report] = desk.reports()
    assert (report.status, report.csat, report.nps, report.callback_requested) == ("completed", 4, 10, True)
    assert report.call_sid == placed.sid and report.attempt_id == 1 and report.operator_id == 3
    assert desk.survey(survey_id).call_status == "completed"


def test_english_tenant_hears_an_english_voice(desk: SurveyDesk) -> None:
    phone = desk.ring(due_survey(desk, language="en"))
    greeting = phone.answer()
    assert greeting.text.startswith("Hello!") and "from one to five" in greeting.text
    assert 'voice="Polly.Joanna"' in (phone.last_response.text if phone.last_response else "")


def test_hanging_up_after_csat_keeps_the_csat(desk: SurveyDesk) -> None:
    survey_id = due_survey(desk)
    phone = desk.ring(survey_id)
    phone.answer()
    phone.press("5")
    phone.hang_up()

    [report] = desk.reports()
    assert (report.status, report.csat, report.nps, report.callback_requested) == ("partial", 5, None, False)


def test_an_invalid_key_repeats_the_question_once_then_a_valid_one_counts(desk: SurveyDesk) -> None:
    phone = desk.ring(due_survey(desk, language="en"))
    phone.answer()
    again = phone.press("7")
    assert again.text.startswith("Sorry, I did not get that.") and "from one to five" in again.text
    nps = phone.press("3")
    assert "zero to ten" in nps.text
    phone.press("11#")  # not a 0-10 answer: asked again
    phone.press("8#")
    phone.press("2")  # not an option of the last question: asked again, then silence = "no"
    assert phone.silence().hangup

    [report] = desk.reports()
    assert (report.status, report.csat, report.nps, report.callback_requested) == ("completed", 3, 8, False)


def test_silence_twice_moves_on_without_a_rating(desk: SurveyDesk) -> None:
    phone = desk.ring(due_survey(desk, language="en"))
    phone.answer()
    repeated = phone.silence()
    assert "from one to five" in repeated.text
    nps = phone.silence()
    assert "zero to ten" in nps.text
    phone.press("9#")
    goodbye = phone.silence()  # the optional last question: silence is a "no", not asked twice
    assert goodbye.hangup and "Thank you" in goodbye.text
    phone.hang_up()

    [report] = desk.reports()
    assert (report.status, report.csat, report.nps) == ("partial", None, 9)


def test_voicemail_is_hung_up_on_and_not_surveyed(desk: SurveyDesk) -> None:
    survey_id = due_survey(desk)
    phone = desk.ring(survey_id)
    turn = phone.answer(answered_by="machine_start")
    assert turn.hangup and turn.say == [] and turn.gather_action is None
    phone.hang_up()

    [report] = desk.reports()
    assert (report.status, report.csat, report.nps) == ("voicemail", None, None)
    assert desk.survey(survey_id).answered_by == "machine_start"


def test_no_answer_and_busy_are_recorded(desk: SurveyDesk) -> None:
    for attempt_id, outcome, expected in ((1, "no-answer", "no_answer"), (2, "busy", "busy")):
        survey = desk.conversation(
            attempt_id=attempt_id, customer_id=attempt_id, customer_phone=f"+7916123456{attempt_id}"
        )
        desk.clock.advance(minutes=2)
        assert survey.id is not None
        phone = desk.ring(survey.id)
        phone.ring()
        phone.status(outcome)
        assert desk.reports()[-1].status == expected
    assert len(desk.reports()) == 2


def test_a_retried_callback_never_double_counts(desk: SurveyDesk) -> None:
    survey_id = due_survey(desk, language="en")
    phone = desk.ring(survey_id)
    phone.answer()
    csat_action = phone.turn.gather_action if phone.turn else None
    assert csat_action is not None
    first = phone.post(csat_action, phone.form(Digits="4"))
    # Twilio retries the same request (our reply was slow); a forged-looking different answer replays too.
    retried = phone.post(csat_action, phone.form(Digits="4"))
    changed = phone.post(csat_action, phone.form(Digits="1"))
    assert first.text == retried.text == changed.text
    assert desk.survey(survey_id).csat == 4
    assert [s.step for s in desk.steps(survey_id)].count("csat:1") == 1

    phone.hang_up()
    phone.hang_up()
    assert len(desk.reports()) == 1


def test_a_forged_signature_is_refused_and_changes_nothing(desk: SurveyDesk) -> None:
    survey_id = due_survey(desk)
    phone = desk.ring(survey_id)
    phone.answer()
    action = phone.turn.gather_action if phone.turn else None
    assert action is not None
    steps_before = len(desk.steps(survey_id))

    forged = phone.post(action, phone.form(Digits="1"), signature="bm90IGEgc2lnbmF0dXJl")
    unsigned = phone.post(action, phone.form(Digits="1"), signature="")
    # Signed for the internal URL the app happens to see, not the public one Twilio calls: also refused.
    internal = "http://testserver" + action[len(PUBLIC_BASE_URL) :]
    signer = RequestValidator(desk.twilio.auth_token)
    wrong_url = phone.post(
        action, phone.form(Digits="1"), signature=signer.compute_signature(internal, phone.form(Digits="1"))
    )
    for response in (forged, unsigned, wrong_url):
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "twilio_signature_invalid"
    assert desk.survey(survey_id).csat is None
    assert len(desk.steps(survey_id)) == steps_before
    assert desk.reports() == []


def test_another_calls_sid_cannot_answer_this_survey(desk: SurveyDesk) -> None:
    survey_id = due_survey(desk)
    phone = desk.ring(survey_id)
    phone.answer()
    action = phone.turn.gather_action if phone.turn else None
    assert action is not None
    response = phone.post(action, phone.form(Digits="5", CallSid="CA" + "0" * 32))
    assert response.status_code == 404 and response.json()["code"] == "survey_call_not_found"
    assert desk.survey(survey_id).csat is None


def test_twilio_refusing_the_number_fails_the_survey_and_an_outage_retries_later(desk: SurveyDesk) -> None:
    refused_id = due_survey(desk)
    desk.twilio.failures.append((400, 21211))
    desk.dispatch()
    assert desk.survey(refused_id).status == "failed"
    assert [r.status for r in desk.reports()] == ["failed"]

    outage_id = due_survey(desk, attempt_id=2, customer_id=8, customer_phone="+79160000008")
    desk.twilio.failures.append((503, 20500))
    desk.dispatch()
    waiting = desk.survey(outage_id)
    assert waiting.status == "scheduled" and waiting.due_at == desk.clock() + timedelta(minutes=2)
    desk.clock.advance(minutes=2)
    assert desk.ring(outage_id).call.to == "+79160000008"


def test_a_call_whose_end_was_never_reported_is_closed_with_what_was_answered(desk: SurveyDesk) -> None:
    survey_id = due_survey(desk)
    phone = desk.ring(survey_id)
    phone.answer()
    phone.press("4")  # ... and then Twilio's final status callback is lost
    desk.clock.advance(minutes=59)
    desk.dispatch()
    assert desk.reports() == []
    desk.clock.advance(minutes=2)
    desk.dispatch()
    [report] = desk.reports()
    assert (report.status, report.csat, report.nps) == ("partial", 4, None)
