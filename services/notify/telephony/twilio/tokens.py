"""Twilio Voice access tokens for operators' softphones (JWT with a VoiceGrant, signed by an API key)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from services.notify.telephony.base import MintedToken, ProviderName


class TwilioAccessTokens:
    def __init__(
        self,
        account_sid: str,
        api_key_sid: str,
        api_key_secret: str,
        twiml_app_sid: str,
        *,
        provider: ProviderName = "twilio",
        softphone_url: str | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.api_key_sid = api_key_sid
        self.api_key_secret = api_key_secret
        self.twiml_app_sid = twiml_app_sid
        self.provider: ProviderName = provider
        self.softphone_url = softphone_url

    def mint(self, identity: str, ttl: timedelta) -> MintedToken:
        seconds = int(ttl.total_seconds())
        token = AccessToken(self.account_sid, self.api_key_sid, self.api_key_secret, identity=identity, ttl=seconds)
        # Incoming: the softphone rings for inbound calls. Outgoing: only through Okno's TwiML App, whose
        # voice URL decides whom the call reaches (the browser never names a number).
        token.add_grant(VoiceGrant(incoming_allow=True, outgoing_application_sid=self.twiml_app_sid))
        # The JWT's own clock is the wall clock (twilio.jwt reads time.time()), so the expiry is too.
        expires_at = datetime.now(UTC) + ttl
        return MintedToken(token.to_jwt(), identity, expires_at, self.provider, self.softphone_url)
