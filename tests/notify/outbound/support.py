"""notify under test for outbound calls: its app, the local Twilio (REST fake), and Twilio's side of the calls.

`OutboundDesk` plays order_confirm (service-token requests), the operator's softphone (the TwiML App's
signed voice request) and Twilio's voice engine (signed status callbacks and `<Dial action>` requests).
"""

from __future__ import annotations

import json
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from contracts.routing import MessageType
from contracts.telephony import CallUpdated, TelephonySettingsChanged
from services.common.db import transaction
from services.common.messaging.broker import make_broker
from services.notify.app import create_app
from services.notify.models import OutboxMessage
from services.notify.runtime import NotifyRuntime
from services.notify.settings import NotifySettings
from services.notify.telephony.projection import apply_settings
from services.notify.wiring import build
from tests.fakes.twilio import FakeTwilio
from tests.support import FrozenClock

TENANT = "shop"
PUBLIC_BASE_URL = "https://okno.example.com/notify"  # what Twilio sees: TLS ends at the proxy in front
SHOP_NUMBER = "+74951234567"
CUSTOMER = "+79161234567"
OPERATOR_PHONE = "+79035550101"
API_KEY_SID = "SK" + "b2" * 16
API_KEY_SECRET = "fake-api-key-secret-of-32-bytes-or-more"
TWIML_APP_SID = "AP" + "c3" * 16
SERVICE = {"Authorization": "Bearer okno-dev-service-token"}
CALLS = f"/internal/v1/tenants/{TENANT}/telephony/calls"


def new_sid() -> str:
    return "CA" + secrets.token_hex(16)


@dataclass
class OutboundDesk:
    runtime: NotifyRuntime
    http: TestClient
    twilio: FakeTwilio
    clock: FrozenClock

    # --- order_confirm's side -------------------------------------------------------------------------

    def tenant(self, tenant: str = TENANT, revision: int = 1, **settings: Any) -> None:
        """The tenant's telephony settings, as order_confirm's message would set them."""
        fields: dict[str, Any] = {"revision": revision, "numbers": [SHOP_NUMBER], "changed_at": self.clock()}
        fields.update(settings)
        with transaction(self.runtime.engine) as session:
            apply_settings(session, tenant, TelephonySettingsChanged(**fields), now=self.clock())

    def start(self, tenant: str = TENANT, **body: Any) -> httpx.Response:
        request: dict[str, Any] = {
            "operator_id": 7,
            "attempt_id": 12,
            "order_id": 100,
            "customer_id": 42,
            "to": CUSTOMER,
            "leg": "browser",
        }
        request.update(body)
        response: httpx.Response = self.http.post(
            f"/internal/v1/tenants/{tenant}/telephony/calls", json=request, headers=SERVICE
        )
        return response

    def call(self, call_id: str, tenant: str = TENANT) -> httpx.Response:
        response: httpx.Response = self.http.get(
            f"/internal/v1/tenants/{tenant}/telephony/calls/{call_id}", headers=SERVICE
        )
        return response

    def hold(self, call_id: str, on_hold: bool, tenant: str = TENANT) -> httpx.Response:
        url = f"/internal/v1/tenants/{tenant}/telephony/calls/{call_id}/hold"
        response: httpx.Response = self.http.put(url, json={"on_hold": on_hold}, headers=SERVICE)
        return response

    def hang_up(self, call_id: str, tenant: str = TENANT) -> httpx.Response:
        response: httpx.Response = self.http.post(
            f"/internal/v1/tenants/{tenant}/telephony/calls/{call_id}/hangup", headers=SERVICE
        )
        return response

    def facts(self, call_id: str | None = None) -> list[CallUpdated]:
        """Every `telephony_call.updated` notify has committed to its outbox, oldest first."""
        with Session(self.runtime.engine) as session:
            rows = session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.message_type == MessageType.TELEPHONY_CALL_UPDATED.value)
                .order_by(col(OutboxMessage.id))
            ).all()
        facts = [CallUpdated.model_validate(json.loads(json.dumps(row.envelope))["payload"]) for row in rows]
        return [fact for fact in facts if call_id is None or str(fact.call_id) == call_id]

    # --- Twilio's side --------------------------------------------------------------------------------

    def post(self, url: str, form: dict[str, str], *, signature: str | None = None) -> httpx.Response:
        """A webhook exactly as Twilio sends it: form body, X-Twilio-Signature over the public URL + params."""
        assert url.startswith(PUBLIC_BASE_URL), url
        if signature is None:
            signature = RequestValidator(self.twilio.auth_token).compute_signature(url, form)
        response: httpx.Response = self.http.post(
            url[len(PUBLIC_BASE_URL) :], data=form, headers={"X-Twilio-Signature": signature}
        )
        return response

    def url(self, call_id: str, step: str) -> str:
        return f"{PUBLIC_BASE_URL}/twilio/voice/calls/{call_id}/{step}"

    def connect(self, call_id: str, operator_id: int = 7, call_sid: str | None = None) -> tuple[str, ET.Element]:
        """The softphone's `Device.connect({params: {call_id}})`: Twilio fetches the TwiML App's voice URL."""
        sid = call_sid or new_sid()
        self.twilio.open_leg(sid)
        form = {
            "AccountSid": self.twilio.account_sid,
            "ApplicationSid": TWIML_APP_SID,
            "CallSid": sid,
            "From": f"client:operator_{operator_id}",
            "To": "",
            "Direction": "inbound",
            "CallStatus": "ringing",
            "call_id": call_id,
        }
        return sid, twiml(self.post(f"{PUBLIC_BASE_URL}/twilio/voice/outbound", form))

    def leg(self, call_id: str, call_sid: str, status: str, **fields: str) -> httpx.Response:
        """A status callback of the customer's leg (`<Number statusCallback>`)."""
        form = {"AccountSid": self.twilio.account_sid, "CallSid": call_sid, "CallStatus": status, **fields}
        response = self.post(self.url(call_id, "leg-status"), form)
        assert response.status_code == 204, response.text
        return response

    def dial_ended(self, call_id: str, parent_sid: str, dial_status: str, **fields: str) -> ET.Element:
        form = {
            "AccountSid": self.twilio.account_sid,
            "CallSid": parent_sid,
            "CallStatus": "in-progress",
            "DialCallStatus": dial_status,
            **fields,
        }
        return twiml(self.post(self.url(call_id, "dial-ended"), form))

    def fetch(self, url: str, call_sid: str, **fields: str) -> ET.Element:
        form = {"AccountSid": self.twilio.account_sid, "CallSid": call_sid, "CallStatus": "in-progress", **fields}
        return twiml(self.post(url, form))

    def at(self, **delta: float) -> str:
        """Twilio's `Timestamp` of a callback `delta` after the frozen now (RFC 2822)."""
        return format_datetime(self.clock.advance(**delta), usegmt=True)


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml"), response.headers
    root = ET.fromstring(response.text)
    assert root.tag == "Response", response.text
    return root


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


@contextmanager
def outbound_desk(
    database_url: str, twilio: FakeTwilio, twilio_url: str, clock: FrozenClock, **settings: Any
) -> Iterator[OutboundDesk]:
    fields: dict[str, Any] = {
        "database_url": database_url,
        "twilio_account_sid": twilio.account_sid,
        "twilio_auth_token": twilio.auth_token,
        "twilio_from_number": "+15005550006",
        "twilio_api_key_sid": API_KEY_SID,
        "twilio_api_key_secret": API_KEY_SECRET,
        "twilio_twiml_app_sid": TWIML_APP_SID,
        "twilio_api_base_url": twilio_url,
        "public_base_url": PUBLIC_BASE_URL,
    }
    fields.update(settings)
    runtime = build(NotifySettings(**fields), broker=make_broker(None), clock=clock)
    runtime.outbox.relay_enabled = False  # the facts are read from the outbox itself
    with TestClient(create_app(runtime)) as http:
        yield OutboundDesk(runtime, http, twilio, clock)
    runtime.engine.dispose()
