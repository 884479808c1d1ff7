"""Twilio's part of a "call my phone first" call, which the sandbox does not play (its simulator plays the
customer's phone and the softphone the browser's leg): the operator's own phone answering, the customer's leg
ringing, answering and hanging up — the signed webhooks Twilio sends notify, in the order it sends them."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import httpx

from services.notify.telephony.models import VoiceCall
from services.notify.telephony.outbound.urls import call_url
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.twilio.signatures import TwilioSignatures
from tests.browser.conftest import Console


class PhoneFirstLegs:
    def __init__(self, console: Console, call: VoiceCall) -> None:
        credentials = sandbox_credentials(console.okno.notify.engine)
        assert call.operator_call_sid is not None, "Okno placed the call to the operator's phone"
        self.account_sid = credentials.account_sid
        self.signatures = TwilioSignatures(credentials.auth_token)
        self.base = console.okno.notify.settings.public_base_url
        self.call = call
        self.customer_sid = "CA" + uuid.uuid4().hex

    def operator_answers(self) -> list[str]:
        """Their phone picked up (a person, not voicemail): notify answers the TwiML that dials the customer."""
        answer = self._post("bridge", self.call.operator_call_sid or "", AnsweredBy="human")
        return [child.tag for child in ET.fromstring(answer.text)]

    def customer_leg(self, status: str, **fields: str) -> None:
        """A status callback of the customer's leg (`<Number statusCallback>`): ringing, in-progress, completed."""
        self._post("leg-status", self.customer_sid, CallStatus=status, **fields)

    def dial_ended(self, dial_status: str) -> None:
        self._post("dial-ended", self.call.operator_call_sid or "", DialCallStatus=dial_status)

    def _post(self, step: str, call_sid: str, **fields: str) -> httpx.Response:
        url = call_url(self.base, str(self.call.id), step)
        form = {"AccountSid": self.account_sid, "CallSid": call_sid, "CallStatus": "in-progress", **fields}
        headers = {"X-Twilio-Signature": self.signatures.sign(url, form)}
        response = httpx.post(url, data=form, headers=headers, timeout=30)
        assert response.is_success, (step, response.status_code, response.text)
        return response
