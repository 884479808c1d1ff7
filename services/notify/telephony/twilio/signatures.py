"""Twilio's webhook signatures (`X-Twilio-Signature`): HMAC-SHA1 of the URL and the sorted form, keyed by
the auth token. The sandbox signs and checks with its own per-installation token the same way.

Computed here with `hmac` directly, not by the twilio library's `RequestValidator`, which re-parses the URL
twice and rebuilds the parameter string for each of its two URL variants on every webhook (issue 13: a survey
step's whole budget is 0.7 ms of CPU). The rules are the validator's, for the form-encoded webhooks Twilio
sends (tests/notify/test_twilio_signatures.py checks every case against it):

- the signed string is the URL followed by each field name and value, names sorted, a repeated field's
  distinct values sorted (the validator accepts those only from a multi-dict; here a list of values);
- the URL is accepted as signed with or without its port: Twilio signs `https://host/…` for some webhooks
  and `https://host:443/…` for others, so the scheme's default port is added where there is none and removed
  where there is one;
- a `bodySHA256` query parameter does not apply: it signs JSON bodies, never a form.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from functools import lru_cache
from hashlib import sha1
from urllib.parse import urlparse

from twilio.request_validator import add_port, remove_port


class TwilioSignatures:
    def __init__(self, auth_token: str) -> None:
        self.key = auth_token.encode("utf-8")

    def valid(self, url: str, params: Mapping[str, str | list[str]], signature: str) -> bool:
        if not signature:
            return False
        expected = signature.encode("utf-8")
        signed_fields = _signed_fields(params)
        without_port, with_port = url_variants(url)
        # Both variants are compared, as the validator does, so the time taken does not say which one matched.
        first = hmac.compare_digest(self._signature(without_port, signed_fields), expected)
        second = hmac.compare_digest(self._signature(with_port, signed_fields), expected)
        return first or second

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        return self._signature(url, _signed_fields(params)).decode("ascii")

    def _signature(self, url: str, signed_fields: str) -> bytes:
        digest = hmac.new(self.key, (url + signed_fields).encode("utf-8"), sha1).digest()
        return base64.b64encode(digest)


def _signed_fields(params: Mapping[str, str | list[str]]) -> str:
    parts: list[str] = []
    for name in sorted(params):
        value = params[name]
        for one in sorted(set(value)) if isinstance(value, list) else (value,):
            parts.append(name + one)
    return "".join(parts)


# What rebuilding a URL may drop or move: a fragment, `;` parameters, the tabs and line breaks it removes.
_REBUILT = ("#", ";", "\t", "\r", "\n")


def url_variants(url: str) -> tuple[str, str]:
    """The URL without and with its port, exactly as the validator rebuilds them: the origin (scheme, host,
    port) through the validator's own functions, once per origin; the rest as it is unless rebuilding could
    change it (an empty query, a fragment, control characters), in which case the whole URL goes through them."""
    start = url.find("://")
    if start <= 0 or not url[:start].isalnum():
        return _library_variants(url)
    ends = [at for at in (url.find(mark, start + 3) for mark in "/?#") if at >= 0]
    cut = min(ends) if ends else len(url)
    rest = url[cut:]
    if rest.endswith("?") or any(mark in rest for mark in _REBUILT):
        return _library_variants(url)
    without_port, with_port = _origin_variants(url[:cut])
    return without_port + rest, with_port + rest


@lru_cache(maxsize=64)  # a handful of public base URLs per installation
def _origin_variants(origin: str) -> tuple[str, str]:
    return _library_variants(origin)


def _library_variants(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    return str(remove_port(parsed)), str(add_port(parsed))
