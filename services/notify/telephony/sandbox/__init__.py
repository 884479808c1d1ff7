"""The local sandbox provider (`okno run`, tests, `OKNO_NOTIFY_SANDBOX`): it plays Twilio.

Calls ring in the simulator and texts land in the SMS outbox instead of reaching phones; webhooks, access
tokens and TwiML are Twilio's own formats, signed with this installation's random sandbox credentials.
"""

from __future__ import annotations

from services.common.runtime import Runtime
from services.notify.settings import NotifySettings
from services.notify.telephony.providers import Telephony
from services.notify.telephony.sandbox.calls import SandboxCalls
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.sms import SandboxSms
from services.notify.telephony.twilio.recordings import TwilioRecordings
from services.notify.telephony.twilio.rest import rest_client
from services.notify.telephony.twilio.signatures import TwilioSignatures
from services.notify.telephony.twilio.tokens import TwilioAccessTokens
from services.notify.telephony.twilio.twiml import TwimlMarkup

SOFTPHONE_PATH = "/sandbox/softphone"
REST_PATH = "/sandbox/twilio"  # the sandbox's Twilio-REST-speaking endpoints (recordings)
SANDBOX_TWIML_APP_SID = "APsandbox"


def sandbox_telephony(runtime: Runtime[NotifySettings]) -> Telephony:
    credentials = sandbox_credentials(runtime.engine)
    base = runtime.settings.public_base_url.rstrip("/")
    tokens = TwilioAccessTokens(
        credentials.account_sid,
        credentials.api_key_sid,
        credentials.api_key_secret,
        SANDBOX_TWIML_APP_SID,
        provider="sandbox",
        softphone_url=base + SOFTPHONE_PATH,
    )
    rest = rest_client(credentials.account_sid, credentials.auth_token, base + REST_PATH)
    calls = SandboxCalls(runtime.engine)
    return Telephony(
        provider="sandbox",
        calls=calls,
        control=calls,
        sms=SandboxSms(),
        tokens=tokens,
        recordings=TwilioRecordings(
            rest, credentials.account_sid, credentials.auth_token, base + REST_PATH, media="wav"
        ),
        signatures=TwilioSignatures(credentials.auth_token),
        markup=TwimlMarkup(),
    )
