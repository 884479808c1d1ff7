"""The sandbox's Twilio on the wire: signed form posts to notify's own webhooks, as Twilio sends them.

Requests go through the ASGI app in-process (no socket, so any host or mount works) but with the public URL,
the fields and the `X-Twilio-Signature` Twilio would use, so they pass the production validation unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from fastapi import FastAPI

from services.notify.telephony.twilio.signatures import TwilioSignatures

SIGNATURE_HEADER = "X-Twilio-Signature"  # as services/notify/api/twilio_signature.py reads it
API_VERSION = "2010-04-01"


class WebhookFailed(Exception):
    """notify answered a webhook with an error (Twilio would play "an application error has occurred")."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url} answered {status}")
        self.status = status


class Wire:
    def __init__(self, app: FastAPI, base_url: str, account_sid: str, auth_token: str) -> None:
        self.app = app
        self.base = base_url.rstrip("/")
        self.account_sid = account_sid
        self.signatures = TwilioSignatures(auth_token)

    def url(self, path: str) -> str:
        return self.base + path

    def own(self, url: str) -> bool:
        return url.startswith(self.base + "/")

    async def post(self, url: str, fields: Mapping[str, str]) -> str:
        """POST the form to one of notify's own URLs; the TwiML (or empty) answer."""
        if not self.own(url):
            raise WebhookFailed(url, 0)  # the sandbox never calls out of this installation
        form = {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, **fields}
        signature = self.signatures.sign(url, form)
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notify.sandbox") as client:
            response = await client.post(url[len(self.base) :], data=form, headers={SIGNATURE_HEADER: signature})
        if response.status_code >= 400:
            raise WebhookFailed(url, response.status_code)
        return response.text
