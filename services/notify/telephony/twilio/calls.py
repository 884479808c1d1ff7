"""Placing and steering calls through Twilio's REST API (Calls resource) with the official SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.notify.telephony.base import CallRejected, OutboundCall, TelephonyUnavailable
from services.notify.telephony.twilio.rest import twilio_errors

if TYPE_CHECKING:  # the SDK's REST client (and requests) loads only where a client is built (rest.py)
    from twilio.rest import Client


class TwilioCalls:
    def __init__(self, client: Client, default_caller_id: str | None) -> None:
        self.client = client
        self.default_caller_id = default_caller_id

    def place_call(self, call: OutboundCall) -> str:
        caller_id = call.caller_id or self.default_caller_id
        if not caller_id:
            raise CallRejected(
                "no caller ID: set the tenant's number or OKNO_NOTIFY_TWILIO_FROM_NUMBER", "no_caller_id"
            )
        with twilio_errors():
            created = self.client.calls.create(
                to=call.to,
                from_=caller_id,
                url=call.url,
                method="POST",
                status_callback=call.status_callback,
                status_callback_event=list(call.status_events),
                status_callback_method="POST",
                timeout=call.ring_timeout_seconds,
                # "Enable" answers as soon as Twilio knows human vs machine; a machine is hung up on.
                machine_detection="Enable" if call.detect_machine else None,
            )
        if not created.sid:
            raise TelephonyUnavailable("Twilio answered without a CallSid")
        return str(created.sid)

    def redirect(self, call_sid: str, url: str) -> None:
        with twilio_errors():
            self.client.calls(call_sid).update(url=url, method="POST")

    def hang_up(self, call_sid: str) -> None:
        try:
            with twilio_errors():
                self.client.calls(call_sid).update(status="completed")
        except CallRejected:
            return  # 4xx: the call is already over (Twilio answers 400/404 for a finished call)
