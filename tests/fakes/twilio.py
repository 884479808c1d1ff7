"""A local Twilio: its REST API (Calls, Messages, Recordings media and DELETE) and its voice engine (signed
webhooks, TwiML).

`FakeTwilio.app` answers the official SDK like api.twilio.com does (Basic auth, form bodies, JSON resources,
Twilio error bodies); point `twilio_api_base_url` at it. `VoiceCall` then plays the phone network: it
fetches the call's TwiML with correctly signed form posts, parses the XML, follows `<Gather action>` and
`<Redirect>`, and sends the status callbacks, as Twilio would.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from twilio.request_validator import RequestValidator

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
API = "/2010-04-01/Accounts/{account_sid}"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass
class CallRequest:
    sid: str
    to: str
    from_: str
    url: str
    method: str
    status_callback: str | None
    status_callback_events: list[str]
    machine_detection: str | None
    timeout: int | None


@dataclass
class MessageRequest:
    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None


@dataclass
class CallUpdate:
    """`POST Calls/{sid}.json`: a redirect (`url`) or a hang-up (`status="completed"`)."""

    sid: str
    url: str | None
    status: str | None


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "a1" * 16
    auth_token: str = "fake-twilio-auth-token"
    calls: list[CallRequest] = field(default_factory=list)
    messages: list[MessageRequest] = field(default_factory=list)
    updates: list[CallUpdate] = field(default_factory=list)
    # Calls Twilio knows (placed through the REST API, or opened by a softphone: `open_leg`) -> over or not.
    legs: dict[str, bool] = field(default_factory=dict)
    # Test switches: the next REST requests answer with this (status, Twilio error code) instead.
    failures: list[tuple[int, int]] = field(default_factory=list)
    # Recordings' media by RecordingSid; every DELETE and every media Range header asked, in order.
    recordings: dict[str, bytes] = field(default_factory=dict)
    recording_deletes: list[str] = field(default_factory=list)
    media_ranges: list[str | None] = field(default_factory=list)
    ignore_range: bool = False  # answer media requests with 200 and the whole file, as some servers do
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_recording(self, size: int = 1000) -> str:
        """A recording Twilio has stored (as if a recorded call had ended); its media is `size` known bytes."""
        sid = "RE" + secrets.token_hex(16)
        with self.lock:
            self.recordings[sid] = bytes(i % 251 for i in range(size))
        return sid

    @property
    def app(self) -> FastAPI:
        app = FastAPI()
        app.post(API + "/Calls.json")(self._create_call)
        app.post(API + "/Messages.json")(self._create_message)
        app.post(API + "/Calls/{call_sid}.json")(self._update_call)
        app.get(API + "/Recordings/{recording_sid}.mp3")(self._recording_media)
        app.delete(API + "/Recordings/{recording_sid}.json")(self._delete_recording)
        return app

    async def _recording_media(self, account_sid: str, recording_sid: str, request: Request) -> Response:
        problem = self._authorized(account_sid, request)
        if problem is not None:
            return problem
        with self.lock:
            self.media_ranges.append(request.headers.get("Range"))
            media = self.recordings.get(recording_sid)
        if media is None:
            return _error(404, 20404, f"The requested resource {request.url.path} was not found")
        match = _RANGE.fullmatch(request.headers.get("Range", ""))
        if match is None or self.ignore_range or match.group(0) == "bytes=-":
            return Response(media, media_type="audio/mpeg", headers={"Accept-Ranges": "bytes"})
        first, last, size = match.group(1), match.group(2), len(media)
        if first == "":  # suffix: the last N bytes
            start, end = max(size - int(last), 0), size - 1
            if int(last) == 0:
                start = size
        else:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        if start >= size:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        headers = {"Accept-Ranges": "bytes", "Content-Range": f"bytes {start}-{end}/{size}"}
        return Response(media[start : end + 1], 206, headers=headers, media_type="audio/mpeg")

    async def _delete_recording(self, account_sid: str, recording_sid: str, request: Request) -> Response:
        problem = self._authorized(account_sid, request)
        if problem is not None:
            return problem
        with self.lock:
            self.recording_deletes.append(recording_sid)
            gone = self.recordings.pop(recording_sid, None) is None
        if gone:
            return _error(404, 20404, f"The requested resource {request.url.path} was not found")
        return Response(status_code=204)

    def _authorized(self, account_sid: str, request: Request) -> JSONResponse | None:
        """Basic auth of the account, then an injected failure if one is pending."""
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != expected or account_sid != self.account_sid:
            return _error(401, 20003, "Authenticate")
        with self.lock:
            if self.failures:
                status, code = self.failures.pop(0)
                return _error(status, code, "Injected failure")
        return None

    def open_leg(self, sid: str) -> None:
        """A call leg Twilio started itself (a softphone's `Device.connect`, a `<Dial>` child leg)."""
        with self.lock:
            self.legs[sid] = False

    def end_leg(self, sid: str) -> None:
        with self.lock:
            self.legs[sid] = True

    async def _update_call(self, account_sid: str, call_sid: str, request: Request) -> JSONResponse:
        form = await request.form()
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != expected or account_sid != self.account_sid:
            return _error(401, 20003, "Authenticate")
        with self.lock:
            if self.failures:
                status, code = self.failures.pop(0)
                return _error(status, code, "Injected failure")
            if call_sid not in self.legs:
                return _error(404, 20404, f"The requested resource Calls/{call_sid}.json was not found")
            over = self.legs[call_sid]
            url, new_status = _opt(form.get("Url")), _opt(form.get("Status"))
            if url and over:
                # What Twilio answers when a finished call is redirected.
                return _error(400, 21220, "Call is not in-progress. Cannot redirect.")
            self.updates.append(CallUpdate(call_sid, url, new_status))
            if new_status == "completed":
                self.legs[call_sid] = True
        resource = {
            "sid": call_sid,
            "account_sid": self.account_sid,
            "status": "completed" if self.legs[call_sid] else "in-progress",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call_sid}.json",
        }
        return JSONResponse(resource)

    async def _create_call(self, account_sid: str, request: Request) -> JSONResponse:
        form = await request.form()
        problem = self._check(account_sid, request, form, "To")
        if problem is not None:
            return problem
        if not form.get("Url") and not form.get("Twiml"):
            return _error(400, 21205, "Url parameter is required.")
        call = CallRequest(
            sid="CA" + secrets.token_hex(16),
            to=str(form["To"]),
            from_=str(form.get("From", "")),
            url=str(form.get("Url", "")),
            method=str(form.get("Method", "POST")),
            status_callback=_opt(form.get("StatusCallback")),
            status_callback_events=[str(v) for v in form.getlist("StatusCallbackEvent")],
            machine_detection=_opt(form.get("MachineDetection")),
            timeout=int(str(form["Timeout"])) if form.get("Timeout") else None,
        )
        with self.lock:
            self.calls.append(call)
            self.legs[call.sid] = False
        return JSONResponse(self._call_resource(call), status_code=201)

    async def _create_message(self, account_sid: str, request: Request) -> JSONResponse:
        form = await request.form()
        problem = self._check(account_sid, request, form, "To")
        if problem is not None:
            return problem
        if not form.get("Body"):
            return _error(400, 21602, "Message body is required.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return _error(400, 21603, "A 'From' phone number is required.")
        message = MessageRequest(
            sid="SM" + secrets.token_hex(16),
            to=str(form["To"]),
            from_=_opt(form.get("From")),
            messaging_service_sid=_opt(form.get("MessagingServiceSid")),
            body=str(form["Body"]),
            status_callback=_opt(form.get("StatusCallback")),
        )
        with self.lock:
            self.messages.append(message)
        return JSONResponse(self._message_resource(message), status_code=201)

    def _check(self, account_sid: str, request: Request, form: Any, number_field: str) -> JSONResponse | None:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != expected or account_sid != self.account_sid:
            return _error(401, 20003, "Authenticate")
        with self.lock:
            if self.failures:
                status, code = self.failures.pop(0)
                return _error(status, code, "Injected failure")
        if not E164.match(str(form.get(number_field, ""))):
            return _error(
                400, 21211, f"The '{number_field}' number {form.get(number_field)} is not a valid phone number."
            )
        return None

    def _call_resource(self, call: CallRequest) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC))
        return {
            "sid": call.sid,
            "account_sid": self.account_sid,
            "to": call.to,
            "from": call.from_,
            "status": "queued",
            "direction": "outbound-api",
            "date_created": now,
            "date_updated": now,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call.sid}.json",
        }

    def _message_resource(self, message: MessageRequest) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC))
        return {
            "sid": message.sid,
            "account_sid": self.account_sid,
            "to": message.to,
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            "body": message.body,
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "date_created": now,
            "date_updated": now,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}.json",
        }


def _opt(value: Any) -> str | None:
    return str(value) if value else None


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
        status_code=status,
    )


# --- the voice engine: Twilio fetching TwiML and reporting call status ---------------------------------------


@dataclass
class Turn:
    """One TwiML document as the caller hears it."""

    say: list[str]
    gather_action: str | None
    num_digits: int | None
    finish_on_key: str | None
    redirect: str | None
    hangup: bool

    @property
    def text(self) -> str:
        return " ".join(self.say)


def parse_twiml(xml: str) -> Turn:
    root = ET.fromstring(xml)
    assert root.tag == "Response", xml
    turn = Turn([], None, None, None, None, False)
    for verb in root:
        if verb.tag == "Say":
            turn.say.append(verb.text or "")
        elif verb.tag == "Gather":
            assert verb.attrib.get("input") == "dtmf", xml
            turn.say.extend(child.text or "" for child in verb if child.tag == "Say")
            turn.gather_action = verb.attrib["action"]
            turn.num_digits = int(verb.attrib["numDigits"]) if "numDigits" in verb.attrib else None
            turn.finish_on_key = verb.attrib.get("finishOnKey")
        elif verb.tag == "Redirect":
            turn.redirect = verb.text
            break
        elif verb.tag == "Hangup":
            turn.hangup = True
            break
    return turn


class VoiceCall:
    """One outbound call as Twilio's voice engine runs it against our webhooks.

    `http` reaches the app under test; `public_base_url` is the URL Twilio knows it by (and signs).
    """

    def __init__(self, twilio: FakeTwilio, call: CallRequest, http: httpx.Client, public_base_url: str) -> None:
        self.twilio = twilio
        self.call = call
        self.http = http
        self.public_base_url = public_base_url.rstrip("/")
        self.turn: Turn | None = None
        self.answered_by: str | None = None
        self.last_response: httpx.Response | None = None

    def form(self, **fields: str) -> dict[str, str]:
        base = {
            "AccountSid": self.twilio.account_sid,
            "CallSid": self.call.sid,
            "From": self.call.from_,
            "To": self.call.to,
            "Direction": "outbound-api",
            "ApiVersion": "2010-04-01",
            "CallStatus": "in-progress",
        }
        if self.answered_by:
            base["AnsweredBy"] = self.answered_by
        return {**base, **fields}

    def post(self, url: str, form: dict[str, str], *, signature: str | None = None) -> httpx.Response:
        """A webhook request exactly as Twilio sends it: form body, X-Twilio-Signature over URL + params."""
        assert url.startswith(self.public_base_url), url
        if signature is None:
            signature = RequestValidator(self.twilio.auth_token).compute_signature(url, form)
        headers = {"X-Twilio-Signature": signature}
        response = self.http.post(url[len(self.public_base_url) :], data=form, headers=headers)
        self.last_response = response
        return response

    def fetch(self, url: str, **fields: str) -> Turn:
        response = self.post(url, self.form(**fields))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(("application/xml", "text/xml"))
        self.turn = parse_twiml(response.text)
        return self.turn

    def status(self, call_status: str, **fields: str) -> httpx.Response:
        assert self.call.status_callback, "the call was placed without a status callback"
        response = self.post(self.call.status_callback, self.form(CallStatus=call_status, **fields))
        assert response.status_code in (200, 204), response.text
        return response

    def ring(self) -> None:
        self.status("initiated")
        self.status("ringing")

    def answer(self, answered_by: str = "human") -> Turn:
        self.ring()
        self.answered_by = answered_by
        self.status("in-progress")
        return self.fetch(self.call.url)

    def press(self, digits: str) -> Turn:
        """The caller types `digits` (with `#` if they end with it); Twilio posts them to the Gather action."""
        assert self.turn and self.turn.gather_action, "nothing is listening for keys"
        return self.fetch(self.turn.gather_action, Digits=digits.rstrip("#"))

    def silence(self) -> Turn:
        """The Gather times out with no keys: Twilio moves on to the next verb, the `<Redirect>`."""
        assert self.turn and self.turn.redirect, "no <Redirect> after the Gather"
        return self.fetch(self.turn.redirect)

    def hang_up(self) -> None:
        self.status("completed", CallDuration="17")
