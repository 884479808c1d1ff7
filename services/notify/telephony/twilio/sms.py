"""Texts through Twilio Messaging (Messages resource) with the official SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.notify.telephony.base import CallRejected, OutgoingSms, SentSms
from services.notify.telephony.twilio.rest import twilio_errors

if TYPE_CHECKING:  # the SDK's REST client (and requests) loads only where a client is built (rest.py)
    from twilio.rest import Client


class TwilioSms:
    def __init__(self, client: Client, sender: str | None) -> None:
        self.client = client
        self.sender = sender

    def send(self, sms: OutgoingSms) -> SentSms:
        if not self.sender:
            raise CallRejected("no sender: set OKNO_NOTIFY_TWILIO_FROM_NUMBER", "no_sender")
        with twilio_errors():
            created = self.client.messages.create(
                to=sms.to, from_=self.sender, body=sms.body, status_callback=sms.status_callback
            )
        return SentSms(created.sid, str(created.status or "queued"))
