"""Outbound calls through Twilio's REST API with the official SDK (synchronous: it runs in dramatiq actors)."""

from __future__ import annotations

from twilio.base.exceptions import TwilioException, TwilioRestException

from services.notify.settings import NotifySettings
from services.notify.telephony.base import CallRejected, OutboundCall, TelephonyUnavailable
from services.notify.twilio_gateway import rest_client

# Every progress event, so no-answer / busy / failed reach us as well as the end of an answered call.
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


class TwilioTelephony:
    def __init__(self, settings: NotifySettings) -> None:
        if not settings.twilio_from_number:
            raise CallRejected("OKNO_NOTIFY_TWILIO_FROM_NUMBER is not set: no caller id for survey calls")
        self.settings = settings
        self.from_number = settings.twilio_from_number

    def place_call(self, call: OutboundCall) -> str:
        try:
            created = rest_client(self.settings).calls.create(
                to=call.to,
                from_=self.from_number,
                url=call.url,
                method="POST",
                status_callback=call.status_callback,
                status_callback_event=STATUS_EVENTS,
                status_callback_method="POST",
                timeout=call.ring_timeout_seconds,
                # "Enable" answers as soon as Twilio knows human vs machine; a machine is hung up on, not surveyed.
                machine_detection="Enable" if call.detect_machine else None,
            )
        except TwilioRestException as error:
            # 4xx: Twilio refused this call (invalid or unverified number, geo permissions); 5xx: their outage.
            if 400 <= error.status < 500 and error.status != 429:
                raise CallRejected(f"Twilio {error.status} code {error.code}: {error.msg}") from error
            raise TelephonyUnavailable(f"Twilio {error.status}: {error.msg}") from error
        except (TwilioException, OSError) as error:
            raise TelephonyUnavailable(repr(error)) from error
        if not created.sid:
            raise TelephonyUnavailable("Twilio answered without a CallSid")
        return str(created.sid)
