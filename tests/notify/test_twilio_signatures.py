"""The webhook signature check gives the twilio library's `RequestValidator` answer for every form webhook:
the same URL variants (with and without the port), the same signed string, the same verdict."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from twilio.request_validator import RequestValidator, add_port, remove_port

from services.notify.telephony.twilio.signatures import TwilioSignatures, url_variants

TOKEN = "twilio-auth-token"
FORM = {"CallSid": "CA" + "1" * 32, "Digits": "4", "CallStatus": "in-progress", "Caller": "+7 916 123-45-67"}
URLS = [
    "https://notify.example.com/twilio/surveys/7/answer/csat?try=1",
    "https://notify.example.com:443/twilio/surveys/7/start",
    "https://notify.example.com:8443/twilio/surveys/7/start",
    "http://127.0.0.1:8000/twilio/surveys/7/status",
    "http://127.0.0.1/twilio/voice/inbound",
    "HTTPS://Notify.Example.com/t/s?bodySHA256=abc&x=1",
    "https://notify.example.com",
    "https://notify.example.com?only=query",
    "https://notify.example.com/path;params?q=1",
    "https://notify.example.com/path?",
    "https://notify.example.com/path#fragment",
    "https://notify.example.com/pa\nth\t?q=\r1",
    "https://notify.example.com/путь/ответ?q=да",
    "/relative/path?x=http://y",
]


@pytest.mark.parametrize("url", URLS)
def test_the_url_variants_are_the_validators(url: str) -> None:
    parsed = urlparse(url)
    assert url_variants(url) == (remove_port(parsed), add_port(parsed))


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("signed_as", ["as_is", "without_port", "with_port", "other_url", "forged", "empty"])
def test_the_verdict_is_the_validators(url: str, signed_as: str) -> None:
    twilio = RequestValidator(TOKEN)
    parsed = urlparse(url)
    signed_url = {"without_port": remove_port(parsed), "with_port": add_port(parsed), "other_url": url + "x"}
    given = {"forged": "bm90IGEgc2lnbmF0dXJl", "empty": ""}
    signature = given.get(signed_as, twilio.compute_signature(signed_url.get(signed_as, url), FORM))
    ours = TwilioSignatures(TOKEN).valid(url, FORM, signature)
    assert ours == bool(signature and twilio.validate(url, FORM, signature))
    if signed_as != "as_is":  # as_is: a URL the validator rebuilds differently (`/path?`) matches neither
        assert ours == (signed_as in ("without_port", "with_port"))


def test_another_token_blank_fields_and_a_non_ascii_signature_are_refused() -> None:
    url, form = URLS[0], {**FORM, "AnsweredBy": "", "Digits": ""}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    assert TwilioSignatures(TOKEN).valid(url, form, signature)
    assert not TwilioSignatures("another-token").valid(url, form, signature)
    assert not TwilioSignatures(TOKEN).valid(url, {**form, "Digits": "5"}, signature)
    assert not TwilioSignatures(TOKEN).valid(url, form, "подпись")


def test_a_repeated_field_signs_its_distinct_values_sorted_as_twilio_does() -> None:
    """The validator supports repeated fields from a multi-dict (Flask's, Django's); ours come as lists."""

    class MultiDict(dict[str, str]):
        def getall(self, name: str) -> list[str]:
            return ["+79160000001", "+79160000000", "+79160000001"] if name == "Called" else [self[name]]

    url = URLS[0]
    signature = RequestValidator(TOKEN).compute_signature(url, MultiDict(FORM, Called="x"))
    repeated: dict[str, str | list[str]] = {**FORM, "Called": ["+79160000001", "+79160000000", "+79160000001"]}
    assert TwilioSignatures(TOKEN).valid(url, repeated, signature)
    assert not TwilioSignatures(TOKEN).valid(url, {**FORM, "Called": "+79160000000"}, signature)


def test_sign_is_the_validators_signature() -> None:
    for url in URLS:
        assert TwilioSignatures(TOKEN).sign(url, FORM) == RequestValidator(TOKEN).compute_signature(url, FORM)
