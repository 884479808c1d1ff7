"""Sandbox calls: nothing is dialled; the call "rings" in the simulator page, which plays Twilio's part
against the very same signed webhooks (services/notify/simulator/)."""

from __future__ import annotations

import uuid

from services.notify.telephony.base import OutboundCall

SANDBOX_SID_PREFIX = "CAsandbox"


class SandboxCalls:
    def place_call(self, call: OutboundCall) -> str:
        return SANDBOX_SID_PREFIX + uuid.uuid4().hex[: 34 - len(SANDBOX_SID_PREFIX)]
