"""Twilio: the REST API through the official SDK, TwiML, access tokens and webhook signatures."""

from __future__ import annotations

from services.notify.settings import NotifySettings
from services.notify.telephony.providers import Telephony
from services.notify.telephony.twilio.calls import TwilioCalls
from services.notify.telephony.twilio.recordings import TwilioRecordings
from services.notify.telephony.twilio.rest import rest_client
from services.notify.telephony.twilio.signatures import TwilioSignatures
from services.notify.telephony.twilio.sms import TwilioSms
from services.notify.telephony.twilio.tokens import TwilioAccessTokens
from services.notify.telephony.twilio.twiml import TwimlMarkup


def twilio_telephony(settings: NotifySettings) -> Telephony:
    account_sid, auth_token = settings.twilio_account_sid or "", settings.twilio_auth_token or ""
    client = rest_client(account_sid, auth_token, settings.twilio_api_base_url)
    tokens = TwilioAccessTokens(
        account_sid,
        settings.twilio_api_key_sid or "",
        settings.twilio_api_key_secret or "",
        settings.twilio_twiml_app_sid or "",
    )
    calls = TwilioCalls(client, settings.twilio_from_number)
    return Telephony(
        provider="twilio",
        calls=calls,
        control=calls,
        sms=TwilioSms(client, settings.twilio_from_number),
        tokens=tokens,
        recordings=TwilioRecordings(client, account_sid, auth_token, settings.twilio_api_base_url),
        signatures=TwilioSignatures(auth_token),
        markup=TwimlMarkup(),
    )
