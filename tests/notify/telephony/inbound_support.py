"""Tests that play Twilio for inbound calls: signed webhook posts, TwiML read and followed, a frozen clock."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from contracts.routing import MessageType
from contracts.telephony import (
    CallbackRequested,
    CallUpdated,
    CoverChanged,
    CustomerRoute,
    CustomerRoutesChanged,
    OperatorPresenceChanged,
    TelephonySettingsChanged,
)
from services.notify.app import create_app
from services.notify.models import OutboxMessage
from services.notify.runtime import NotifyRuntime
from services.notify.telephony.models import VoiceCall
from tests.fakes.twilio import FakeTwilio
from tests.notify.telephony.support import TENANT, deliver, notify_runtime
from tests.support import FrozenClock

PUBLIC_BASE_URL = "https://okno.example.com/notify"
SHOP_NUMBER = "+74951234567"
_sids = itertools.count(1)


def new_sid() -> str:
    return f"CA{next(_sids):032x}"


@dataclass
class Document:
    """One TwiML answer as Twilio reads it."""

    xml: str
    says: list[str] = field(default_factory=list)
    dial: ET.Element | None = None
    gather: ET.Element | None = None
    redirect: str | None = None
    hangup: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.says)

    @property
    def client(self) -> str | None:
        """The operator identity a `<Dial><Client>` rings."""
        if self.dial is None or self.dial.find("Client") is None:
            return None
        return self.dial.findtext("Client/Identity")

    @property
    def parameters(self) -> dict[str, str]:
        assert self.dial is not None
        return {p.attrib["name"]: p.attrib["value"] for p in self.dial.iter("Parameter")}

    @property
    def leg_status_url(self) -> str:
        assert self.dial is not None
        leg = self.dial.find("Client")
        leg = leg if leg is not None else self.dial.find("Number")
        assert leg is not None
        return leg.attrib["statusCallback"]


def parse(xml: str) -> Document:
    root = ET.fromstring(xml)
    assert root.tag == "Response", xml
    document = Document(xml)
    for verb in root:
        if verb.tag == "Say":
            document.says.append(verb.text or "")
        elif verb.tag == "Gather":
            assert verb.attrib["input"] == "dtmf", xml
            document.gather = verb
            document.says.extend(child.text or "" for child in verb if child.tag == "Say")
        elif verb.tag == "Dial":
            document.dial = verb
        elif verb.tag == "Redirect":
            document.redirect = verb.text
        elif verb.tag == "Hangup":
            document.hangup = True
    return document


@dataclass
class Desk:
    """notify under test with a frozen clock, seen from Twilio's side."""

    runtime: NotifyRuntime
    http: TestClient
    clock: FrozenClock
    twilio: FakeTwilio  # Twilio's REST API (redirects of waiting callers land here)

    def post(self, url: str, form: dict[str, str], *, signature: str | None = None) -> Any:
        if url.startswith("/"):
            url = PUBLIC_BASE_URL + url
        assert url.startswith(PUBLIC_BASE_URL), url
        signed = (
            RequestValidator(self.twilio.auth_token).compute_signature(url, form) if signature is None else signature
        )
        return self.http.post(url[len(PUBLIC_BASE_URL) :], data=form, headers={"X-Twilio-Signature": signed})

    def dial_in(self, caller: str = "+79161234567", *, to: str = SHOP_NUMBER) -> Phone:
        phone = Phone(self, new_sid(), caller, to)
        self.twilio.open_leg(phone.sid)  # Twilio's REST API knows the caller's leg (redirects reach it)
        phone.document = phone.fetch("/twilio/voice/inbound", CallStatus="ringing")
        return phone

    # --- the projection, as order_confirm's messages make it -----------------------------------------------

    def settings(self, revision: int = 1, **fields: Any) -> None:
        payload = TelephonySettingsChanged(revision=revision, numbers=[SHOP_NUMBER], changed_at=self.clock(), **fields)
        deliver(self.runtime, MessageType.TELEPHONY_SETTINGS_CHANGED, payload)

    def presence(self, operator_id: int, status: str = "available", revision: int = 1, **fields: Any) -> None:
        payload = OperatorPresenceChanged(
            operator_id=operator_id,
            revision=revision,
            status=status,
            display_name=f"Operator {operator_id}",
            changed_at=self.clock(),
            **fields,
        )
        deliver(self.runtime, MessageType.OPERATOR_PRESENCE_CHANGED, payload)

    def cover(self, owner_id: int, cover_id: int | None, revision: int = 1) -> None:
        payload = CoverChanged(owner_id=owner_id, cover_id=cover_id, revision=revision, changed_at=self.clock())
        deliver(self.runtime, MessageType.COVER_CHANGED, payload)

    def customer(self, customer_id: int, phone: str | None, owner_id: int | None, revision: int = 1) -> None:
        route = CustomerRoute(customer_id=customer_id, phone=phone, owner_id=owner_id, revision=revision)
        deliver(
            self.runtime,
            MessageType.CUSTOMER_ROUTES_CHANGED,
            CustomerRoutesChanged(customers=[route], changed_at=self.clock()),
        )

    # --- what notify told order_confirm ----------------------------------------------------------------------

    def sent(self, message_type: MessageType) -> list[dict[str, Any]]:
        with Session(self.runtime.engine) as session:
            rows = session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.message_type) == message_type.value)
                .order_by(col(OutboxMessage.id))
            ).all()
            return [json.loads(json.dumps(row.envelope))["payload"] for row in rows]

    def updates(self, call_id: str | None = None) -> list[CallUpdated]:
        found = [CallUpdated.model_validate(p) for p in self.sent(MessageType.TELEPHONY_CALL_UPDATED)]
        return [u for u in found if call_id is None or str(u.call_id) == call_id]

    def callbacks(self) -> list[CallbackRequested]:
        return [CallbackRequested.model_validate(p) for p in self.sent(MessageType.CALLBACK_REQUESTED)]

    def calls(self) -> list[VoiceCall]:
        with Session(self.runtime.engine) as session:
            return list(session.exec(select(VoiceCall).order_by(col(VoiceCall.offered_at))).all())


@dataclass
class Phone:
    """One inbound call as Twilio's voice engine runs it: the caller's leg and the operator legs it dials."""

    desk: Desk
    sid: str
    caller: str
    to: str
    document: Document | None = None
    operator_sid: str | None = None

    @property
    def now(self) -> Document:
        assert self.document is not None
        return self.document

    @property
    def call_id(self) -> str:
        [call] = [c for c in self.desk.calls() if c.provider_call_sid == self.sid]
        return call.id

    def form(self, **fields: str) -> dict[str, str]:
        base = {
            "AccountSid": self.desk.twilio.account_sid,
            "CallSid": self.sid,
            "From": self.caller,
            "To": self.to,
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            "CallStatus": "in-progress",
        }
        return {**base, **fields}

    def fetch(self, url: str, **fields: str) -> Document:
        response = self.desk.post(url, self.form(**fields))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        self.document = parse(response.text)
        return self.document

    def redirected(self) -> Document:
        """Twilio was asked (REST) to move this caller to another URL: it fetches it now."""
        [update] = [u for u in self.desk.twilio.updates if u.sid == self.sid]
        self.desk.twilio.updates.remove(update)
        assert update.url is not None
        return self.fetch(update.url)

    def wait(self) -> Document:
        """The hold music played out (no key): Twilio follows the `<Redirect>`."""
        assert self.now.redirect, self.now.xml
        return self.fetch(self.now.redirect)

    def press(self, digits: str) -> Document:
        assert self.now.gather is not None, self.now.xml
        return self.fetch(self.now.gather.attrib["action"], Digits=digits.rstrip("#"))

    def operator_answers(self) -> None:
        """The rung operator picks up: their leg's status callback says in-progress."""
        assert self.now.dial is not None, self.now.xml
        self.operator_sid = new_sid()
        url = self.now.leg_status_url
        for status in ("ringing", "in-progress"):
            response = self.desk.post(url, {**self.form(CallStatus=status), "CallSid": self.operator_sid})
            assert response.status_code == 204, response.text

    def dial_ends(self, dial_status: str, **fields: str) -> Document:
        """The `<Dial>` is over (no-answer, busy, completed …): Twilio asks its action what next."""
        assert self.now.dial is not None, self.now.xml
        return self.fetch(self.now.dial.attrib["action"], DialCallStatus=dial_status, **fields)

    def status(self, call_status: str, **fields: str) -> None:
        if call_status in ("completed", "busy", "failed", "no-answer", "canceled"):
            self.desk.twilio.end_leg(self.sid)
        response = self.desk.post("/twilio/voice/status", self.form(CallStatus=call_status, **fields))
        assert response.status_code == 204, response.text

    def hang_up(self) -> None:
        self.status("completed")


@contextmanager
def inbound_desk(database_url: str, clock: FrozenClock, twilio: FakeTwilio, twilio_url: str) -> Iterator[Desk]:
    settings = {
        "twilio_account_sid": twilio.account_sid,
        "twilio_auth_token": twilio.auth_token,
        "twilio_from_number": SHOP_NUMBER,
        "twilio_api_base_url": twilio_url,
        "public_base_url": PUBLIC_BASE_URL,
    }
    with notify_runtime(database_url, clock, **settings) as runtime, TestClient(create_app(runtime)) as http:
        yield Desk(runtime, http, clock, twilio)


def at(clock: FrozenClock, seconds: float) -> datetime:
    return clock.advance(seconds=seconds)


__all__ = ["TENANT"]
