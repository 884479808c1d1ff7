"""Sandbox texts: nothing is sent; the text is shown in the SMS outbox page and counts as delivered."""

from __future__ import annotations

from services.notify.telephony.base import OutgoingSms, SentSms


class SandboxSms:
    def send(self, sms: OutgoingSms) -> SentSms:
        return SentSms(message_sid=None, status="delivered")
