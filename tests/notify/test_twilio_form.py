"""Twilio's webhook forms, read from the raw body: the same fields, in the same order, as Starlette's form
parser reads them, for everything a form may carry."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from starlette.requests import Request
from starlette.types import Message

from services.notify.api.twilio_signature import form_pairs
from tests.support import run_coroutine

FORM = "application/x-www-form-urlencoded"


def _request(body: bytes, content_type: str) -> Request:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers}, receive)


async def _both(body: bytes, content_type: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    ours = await form_pairs(_request(body, content_type))
    starlette = [(key, str(value)) for key, value in (await _request(body, content_type).form()).multi_items()]
    return ours, starlette


@pytest.mark.parametrize(
    "body",
    [
        urlencode({"CallSid": "CA" + "0" * 32, "Digits": "4", "CallStatus": "in-progress"}).encode(),
        urlencode([("SpeechResult", "Да, всё верно"), ("Caller", "+7 916 123-45-67")]).encode(),  # UTF-8, spaces
        b"Digits=&AnsweredBy=human&Empty=",  # blank values are signed too
        b"StirVerstat=TN-Validation-Passed-A&Called=%2B79160000000&Called=%2B79160000001",  # a repeated field
        b"Note=a+b%2Bc&Path=%2Fx%3Fy%3D1%26z",  # '+' is a space, escapes are literal characters
    ],
)
def test_a_twilio_form_is_read_from_the_raw_body_exactly_as_starlette_reads_it(body: bytes) -> None:
    ours, starlette = run_coroutine(_both(body, FORM))
    assert ours == starlette
    assert ours, "the form has fields"


def test_the_content_type_may_carry_a_charset_and_other_types_still_go_through_starlette() -> None:
    body = urlencode({"Digits": "9", "CallSid": "CA1"}).encode()
    with_charset, _ = run_coroutine(_both(body, FORM + "; charset=utf-8"))
    assert with_charset == [("Digits", "9"), ("CallSid", "CA1")]
    multipart = b'--b\r\nContent-Disposition: form-data; name="Digits"\r\n\r\n7\r\n--b--\r\n'
    ours, starlette = run_coroutine(_both(multipart, "multipart/form-data; boundary=b"))
    assert ours == starlette == [("Digits", "7")]
