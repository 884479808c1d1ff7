"""The survey's webhooks are served by hand (surveys/api/voice.py), yet refuse exactly as their declared
dependencies did: voice not configured (503) before the signature (403) before the parameters (422), and
nothing changes on any refusal."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.common.messaging.broker import make_broker
from services.notify.app import create_app
from services.notify.settings import NotifySettings
from services.notify.wiring import build
from tests.notify.survey_support import PUBLIC_BASE_URL, SurveyDesk
from tests.notify.test_survey_call import due_survey

FORGED = "bm90IGEgc2lnbmF0dXJl"


def _problem(response: object) -> tuple[int, str, list[str]]:
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    return response.status_code, body["code"], [error["field"] for error in body.get("errors", [])]  # type: ignore[attr-defined]


def test_a_forged_request_is_refused_for_its_signature_before_its_parameters(desk: SurveyDesk) -> None:
    survey_id = due_survey(desk)
    phone = desk.ring(survey_id)
    phone.answer()
    base = f"{PUBLIC_BASE_URL}/twilio/surveys"
    for url in (
        f"{base}/{survey_id}/answer/csat?try=3",
        f"{base}/0/answer/bogus",
        f"{base}/x/start",
        f"{base}/0/status",
    ):
        assert _problem(phone.post(url, phone.form(Digits="4"), signature=FORGED)) == (
            403,
            "twilio_signature_invalid",
            [],
        ), url
    assert desk.survey(survey_id).csat is None and desk.reports() == []


def test_a_signed_request_with_wrong_parameters_is_refused_with_every_wrong_one(desk: SurveyDesk) -> None:
    survey_id = due_survey(desk)
    phone = desk.ring(survey_id)
    phone.answer()
    steps_before = len(desk.steps(survey_id))
    base = f"{PUBLIC_BASE_URL}/twilio/surveys"
    refused = {
        f"{base}/{survey_id}/answer/csat?try=3": ["query.try"],
        f"{base}/{survey_id}/answer/csat?try=": ["query.try"],
        f"{base}/0/answer/bogus?try=0": ["path.survey_id", "path.question", "query.try"],
        f"{base}/x/start": ["path.survey_id"],
        f"{base}/0/status": ["path.survey_id"],
    }
    for url, fields in refused.items():
        assert _problem(phone.post(url, phone.form(Digits="4"))) == (422, "validation_failed", fields), url
    assert len(desk.steps(survey_id)) == steps_before and desk.survey(survey_id).csat is None
    # The same step, rightly addressed (the try defaults to 1), is answered.
    assert phone.post(f"{base}/{survey_id}/answer/csat", phone.form(Digits="4")).status_code == 200
    assert desk.survey(survey_id).csat == 4


def test_without_voice_configured_the_webhooks_answer_503_before_looking_at_the_signature(database_url: str) -> None:
    runtime = build(
        NotifySettings(database_url=database_url, public_base_url=PUBLIC_BASE_URL), broker=make_broker(None)
    )
    with TestClient(create_app(runtime)) as http:
        for path in ("/twilio/surveys/1/start", "/twilio/surveys/0/answer/bogus?try=9", "/twilio/surveys/1/status"):
            response = http.post(path, data={"CallSid": "CA1"}, headers={"X-Twilio-Signature": FORGED})
            assert _problem(response) == (503, "capability_not_configured", []), path
    runtime.engine.dispose()
