"""Twilio's webhook signatures (`X-Twilio-Signature`): HMAC-SHA1 of the URL and the sorted form, keyed by
the auth token. The sandbox signs and checks with its own per-installation token the same way."""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator


class TwilioSignatures:
    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)

    def valid(self, url: str, params: Mapping[str, str | list[str]], signature: str) -> bool:
        return bool(signature) and bool(self.validator.validate(url, dict(params), signature))

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        return str(self.validator.compute_signature(url, dict(params)))
