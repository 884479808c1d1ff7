"""Sandbox telephony for `okno run` without Twilio credentials: the call "rings" in the simulator page.

Nothing is dialled. The survey row keeps the CallSid, TwiML URL and status callback, so the simulator
(`/notify/simulator/`) can play Twilio's part against the very same signed webhooks.
"""

from __future__ import annotations

import uuid

from services.notify.telephony.base import OutboundCall

SANDBOX_SID_PREFIX = "CAsandbox"


class SandboxTelephony:
    def place_call(self, call: OutboundCall) -> str:
        return SANDBOX_SID_PREFIX + uuid.uuid4().hex[: 34 - len(SANDBOX_SID_PREFIX)]
