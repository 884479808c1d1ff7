"""Placing outbound calls: Twilio in production, a sandbox switchboard without credentials (`okno run`).

Survey logic only sees the `Telephony` protocol; `telephony_for(settings)` picks the provider.
"""

from __future__ import annotations

from services.notify.settings import NotifySettings
from services.notify.telephony.base import CallRejected, OutboundCall, Telephony, TelephonyUnavailable
from services.notify.twilio_gateway import is_sandbox


def telephony_for(settings: NotifySettings) -> Telephony:
    if is_sandbox(settings):
        from services.notify.telephony.sandbox import SandboxTelephony

        return SandboxTelephony()
    from services.notify.telephony.twilio import TwilioTelephony

    return TwilioTelephony(settings)


__all__ = ["CallRejected", "OutboundCall", "Telephony", "TelephonyUnavailable", "telephony_for"]
