"""Which provider serves notify's telephony capabilities, decided once from the settings.

Twilio when its account credentials are set; the local sandbox only when sandboxes were asked for
(`okno run`, `OKNO_SANDBOX`); otherwise nothing — the capabilities are reported `not_configured` in
`/readyz` and their routes answer 503. A production service never falls back to the sandbox.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine

from services.common.capabilities import Capabilities, CapabilityNotConfigured, decide
from services.common.runtime import Runtime
from services.notify.settings import NotifySettings
from services.notify.telephony.base import (
    AccessTokens,
    CallControl,
    CallPlacer,
    ProviderName,
    Recordings,
    SmsSender,
    VoiceMarkup,
    WebhookSignatures,
)

VOICE = "voice"  # calls (surveys, outbound, inbound webhooks), recordings
SOFTPHONE = "softphone"  # access tokens for operators' browsers
SMS = "sms"


@dataclass(frozen=True)
class Telephony:
    provider: ProviderName
    calls: CallPlacer
    control: CallControl  # hold and hang up live legs
    sms: SmsSender
    tokens: AccessTokens
    recordings: Recordings
    signatures: WebhookSignatures
    markup: VoiceMarkup


def has_twilio(settings: NotifySettings) -> bool:
    return bool(settings.twilio_account_sid and settings.twilio_auth_token)


def declare_capabilities(settings: NotifySettings, capabilities: Capabilities) -> bool:
    """Declare voice, softphone and SMS; True when the sandbox serves them."""
    twilio = has_twilio(settings)
    sandbox = settings.sandbox and not twilio
    account = "OKNO_NOTIFY_TWILIO_ACCOUNT_SID and OKNO_NOTIFY_TWILIO_AUTH_TOKEN"
    capabilities.declare(decide(VOICE, credentials_present=twilio, sandbox_requested=sandbox, missing=account))
    keys = bool(settings.twilio_api_key_sid and settings.twilio_api_key_secret and settings.twilio_twiml_app_sid)
    capabilities.declare(
        decide(
            SOFTPHONE,
            credentials_present=twilio and keys,
            sandbox_requested=sandbox,
            missing=f"{account}, OKNO_NOTIFY_TWILIO_API_KEY_SID, _API_KEY_SECRET and _TWIML_APP_SID",
        )
    )
    capabilities.declare(
        decide(
            SMS,
            credentials_present=twilio and bool(settings.twilio_from_number),
            sandbox_requested=sandbox,
            missing=f"{account} and OKNO_NOTIFY_TWILIO_FROM_NUMBER",
        )
    )
    return sandbox


def telephony_for(runtime: Runtime[NotifySettings]) -> Telephony:
    settings = runtime.settings
    if has_twilio(settings):
        from services.notify.telephony.twilio import twilio_telephony

        return twilio_telephony(settings)
    if settings.sandbox:
        from services.notify.telephony.sandbox import sandbox_telephony

        return sandbox_telephony(runtime)
    raise CapabilityNotConfigured(
        "Telephony is not configured: set the Twilio credentials (OKNO_NOTIFY_TWILIO_*).", capability=VOICE
    )


# The webhooks' signature check and TwiML markup need the provider on every request; building it (a REST
# client, the sandbox's credentials) costs more than the step itself, so it is kept for a short while.
WEBHOOK_TELEPHONY_TTL_SECONDS = 60.0
_webhook_telephony: WeakKeyDictionary[Engine, tuple[NotifySettings, Telephony, float]] = WeakKeyDictionary()


def cached_telephony(runtime: Runtime[NotifySettings]) -> Telephony | None:
    """The provider `webhook_telephony` built for this runtime less than a TTL ago, or None."""
    entry = _webhook_telephony.get(runtime.engine)
    if entry is None or entry[0] is not runtime.settings or entry[2] < time.monotonic():
        return None
    return entry[1]


def webhook_telephony(runtime: Runtime[NotifySettings]) -> Telephony:
    """`telephony_for`, cached per runtime for `WEBHOOK_TELEPHONY_TTL_SECONDS` (may read the database once)."""
    telephony = cached_telephony(runtime)
    if telephony is None:
        telephony = telephony_for(runtime)
        expires = time.monotonic() + WEBHOOK_TELEPHONY_TTL_SECONDS
        _webhook_telephony[runtime.engine] = (runtime.settings, telephony, expires)
    return telephony
