"""Never annoying: calling hours in the customer's own timezone, one survey per 7 days, opt-out, wrong numbers.

All on a frozen clock; "placed" means the local Twilio was asked to call.
"""

from __future__ import annotations

from datetime import timedelta

from tests.notify.survey_support import SurveyDesk, at


def test_a_call_ending_late_in_the_evening_waits_for_the_morning_in_the_customers_timezone(desk: SurveyDesk) -> None:
    at(desk.clock, "2026-11-23T17:59:00+00:00")  # 20:59 in Moscow; +2 min would be 21:01
    survey = desk.conversation()
    assert survey.id is not None
    assert survey.due_at.isoformat() == "2026-11-24T06:00:00+00:00"  # 09:00 Moscow

    desk.clock.advance(minutes=2)
    assert desk.dispatch() == [] and desk.twilio.calls == []
    at(desk.clock, "2026-11-24T05:59:00+00:00")
    assert desk.dispatch() == []
    at(desk.clock, "2026-11-24T06:00:00+00:00")
    assert desk.ring(survey.id).call.to == "+79161234567"


def test_calling_hours_are_the_customers_own_not_the_shops(desk: SurveyDesk) -> None:
    at(desk.clock, "2026-11-23T09:00:00+00:00")  # 12:00 in Moscow, but 19:00 in Vladivostok: fine
    early = desk.conversation(attempt_id=1, customer_timezone="Asia/Vladivostok")
    at(desk.clock, "2026-11-23T11:00:00+00:00")  # 21:00 in Vladivostok: too late there
    late = desk.conversation(attempt_id=2, customer_id=8, customer_timezone="Asia/Vladivostok")
    assert early.due_at.isoformat() == "2026-11-23T09:02:00+00:00"
    assert late.due_at.isoformat() == "2026-11-23T23:00:00+00:00"  # 09:00 next day in Vladivostok


def test_a_tenant_can_skip_instead_of_waiting_outside_calling_hours(desk: SurveyDesk) -> None:
    desk.set_rules(window_start="10:00", window_end="20:00", outside_window="skip")
    at(desk.clock, "2026-11-23T16:59:00+00:00")  # 19:59 Moscow; due 20:01
    survey = desk.conversation()
    assert (survey.status, survey.skip_reason) == ("skipped", "outside_calling_hours")
    [report] = desk.reports()
    assert (report.status, report.skip_reason) == ("skipped", "outside_calling_hours")


def test_a_survey_that_falls_due_after_the_window_closed_waits_again(desk: SurveyDesk) -> None:
    at(desk.clock, "2026-11-23T17:00:00+00:00")  # 20:00 Moscow: due 20:02, inside
    survey = desk.conversation()
    assert survey.id is not None
    at(desk.clock, "2026-11-23T18:30:00+00:00")  # the scheduler was down until 21:30 Moscow
    assert desk.dispatch() == []
    assert desk.survey(survey.id).due_at.isoformat() == "2026-11-24T06:00:00+00:00"


def test_one_survey_per_customer_per_seven_days(desk: SurveyDesk) -> None:
    first = desk.conversation(attempt_id=1)
    assert first.status == "scheduled"
    desk.clock.advance(days=3)
    second = desk.conversation(attempt_id=2)
    assert (second.status, second.skip_reason) == ("skipped", "recently_surveyed")
    desk.clock.advance(days=4, minutes=1)
    third = desk.conversation(attempt_id=3)
    assert third.status == "scheduled"
    other_customer = desk.conversation(attempt_id=4, customer_id=99, customer_phone="+79169999999")
    assert other_customer.status == "scheduled"


def test_a_tenant_may_survey_more_often(desk: SurveyDesk) -> None:
    desk.set_rules(min_days_between=1, delay_seconds=600)
    first = desk.conversation(attempt_id=1)
    assert first.due_at == desk.clock() + timedelta(minutes=10)
    desk.clock.advance(days=1, minutes=1)
    assert desk.conversation(attempt_id=2).status == "scheduled"


def test_opted_out_customers_and_wrong_numbers_are_never_surveyed(desk: SurveyDesk) -> None:
    opted = desk.conversation(attempt_id=1, survey_opt_out=True)
    wrong = desk.conversation(attempt_id=2, customer_id=8, disposition="wrong_number", reached_customer=False)
    silent = desk.conversation(attempt_id=3, customer_id=9, disposition="no_answer", reached_customer=False)
    assert [(s.status, s.skip_reason) for s in (opted, wrong, silent)] == [
        ("skipped", "opted_out"),
        ("skipped", "wrong_number"),
        ("skipped", "no_conversation"),
    ]
    desk.clock.advance(minutes=5)
    assert desk.dispatch() == [] and desk.twilio.calls == []


def test_pressing_nine_stops_all_further_surveys_even_before_order_confirm_knows(desk: SurveyDesk) -> None:
    survey = desk.conversation(attempt_id=1, language="en")
    desk.clock.advance(minutes=2)
    assert survey.id is not None
    phone = desk.ring(survey.id)
    phone.answer()
    phone.press("5")
    phone.press("10#")
    phone.press("9")
    phone.hang_up()
    assert desk.reports()[-1].opted_out is True

    desk.clock.advance(days=30)
    later = desk.conversation(attempt_id=2)  # order_confirm has not sent survey_opt_out=True yet
    assert (later.status, later.skip_reason) == ("skipped", "opted_out")


def test_a_disabled_tenant_is_not_surveyed(desk: SurveyDesk) -> None:
    desk.set_rules(enabled=False)
    assert desk.conversation().skip_reason == "disabled"


def test_survey_rules_are_an_admin_api_behind_the_service_token(desk: SurveyDesk) -> None:
    token = {"Authorization": f"Bearer {desk.runtime.settings.service_token}"}
    assert desk.http.get("/survey-rules/shop").status_code == 401
    defaults = desk.http.get("/survey-rules/shop", headers=token).json()
    assert (
        defaults["delay_seconds"] == 120 and defaults["window_start"] == "09:00" and defaults["window_end"] == "21:00"
    )

    bad = desk.http.put("/survey-rules/shop", headers=token, json={**defaults, "window_end": "25:00"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "window_end"
    saved = desk.http.put("/survey-rules/shop", headers=token, json={**defaults, "window_end": "20:00"})
    assert saved.status_code == 200
    assert desk.http.get("/survey-rules/shop", headers=token).json()["window_end"] == "20:00"
