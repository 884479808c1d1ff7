"""The simulator's Twilio: sends the same signed form posts Twilio would, to notify's own webhooks.

Requests go through the ASGI app in-process (no socket, works on any host/port), but with the URL,
fields and `X-Twilio-Signature` Twilio would use, so they pass the production validation unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from sqlmodel import Session, col, select

from services.common.problems import NotFound, Unprocessable
from services.notify.api.twilio_signature import SIGNATURE_HEADER
from services.notify.settings import NotifySettings
from services.notify.simulator.twiml_reader import Turn, read
from services.notify.surveys.domain.status import SurveyCallStatus
from services.notify.surveys.models import SurveyCall
from services.notify.surveys.urls import start_url, status_url
from services.notify.telephony.sandbox.calls import SANDBOX_SID_PREFIX
from services.notify.telephony.sandbox.credentials import SandboxCredentials
from services.notify.telephony.twilio.signatures import TwilioSignatures

SANDBOX_CALLER_ID = "+15005550006"


class ForeignUrl(Unprocessable):
    code = "foreign_url"


@dataclass(frozen=True)
class SimulatedCall:
    survey_id: int
    call_sid: str
    to: str
    from_: str
    language: str
    status: str


def ringing_and_recent(session: Session, tenant: str, limit: int = 20) -> list[SimulatedCall]:
    rows = session.exec(
        select(SurveyCall)
        .where(col(SurveyCall.tenant) == tenant, col(SurveyCall.call_sid).startswith(SANDBOX_SID_PREFIX))
        .order_by(col(SurveyCall.id).desc())
        .limit(limit)
    ).all()
    return [SimulatedCall(r.id or 0, r.call_sid or "", r.phone, SANDBOX_CALLER_ID, r.language, r.status) for r in rows]


def sandbox_call(session: Session, tenant: str, survey_id: int) -> SimulatedCall:
    row = session.get(SurveyCall, survey_id)
    if row is None or row.tenant != tenant or not (row.call_sid or "").startswith(SANDBOX_SID_PREFIX):
        raise NotFound(f"No simulated survey call {survey_id}.")
    return SimulatedCall(row.id or 0, row.call_sid or "", row.phone, SANDBOX_CALLER_ID, row.language, row.status)


class Switchboard:
    def __init__(self, app: FastAPI, settings: NotifySettings, credentials: SandboxCredentials) -> None:
        self.app = app
        self.settings = settings
        self.credentials = credentials
        self.signatures = TwilioSignatures(credentials.auth_token)
        self.base = settings.public_base_url.rstrip("/")

    async def answer(self, call: SimulatedCall, answered_by: str) -> Turn:
        await self._post(status_url(self.base, call.survey_id), call, CallStatus="in-progress", AnsweredBy=answered_by)
        return read(await self._post(start_url(self.base, call.survey_id), call, AnsweredBy=answered_by))

    async def follow(self, call: SimulatedCall, url: str, digits: str | None) -> Turn:
        if not url.startswith(self.base + "/"):
            raise ForeignUrl("The simulator only follows notify's own TwiML URLs.")
        fields = {"Digits": digits} if digits is not None else {}
        return read(await self._post(url, call, **fields))

    async def end(self, call: SimulatedCall, call_status: str) -> None:
        await self._post(status_url(self.base, call.survey_id), call, CallStatus=call_status)

    async def _post(self, url: str, call: SimulatedCall, **fields: str) -> str:
        form = {
            "AccountSid": self.credentials.account_sid,
            "CallSid": call.call_sid,
            "From": call.from_,
            "To": call.to,
            "Direction": "outbound-api",
            "CallStatus": "in-progress",
            **fields,
        }
        signature = self.signatures.sign(url, form)
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notify.sandbox") as client:
            response = await client.post(url[len(self.base) :], data=form, headers={SIGNATURE_HEADER: signature})
        response.raise_for_status()
        return response.text


def is_ringing(call: SimulatedCall) -> bool:
    return call.status in (SurveyCallStatus.DIALING.value, SurveyCallStatus.CALLING.value)
