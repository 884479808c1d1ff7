"""The one place notify builds a Twilio REST client (synchronous: calls run in threads and actors)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

from twilio.base.exceptions import TwilioException, TwilioRestException

from services.notify.telephony.base import CallRejected, TelephonyUnavailable

if TYPE_CHECKING:
    from twilio.rest import Client

API_BASE_URL = "https://api.twilio.com"


@lru_cache(maxsize=8)
def rest_client(account_sid: str, auth_token: str, api_base_url: str | None) -> Client:
    """One client per credentials, reused: its HTTP session keeps the TLS connection to Twilio open.

    The SDK's REST package (with requests) costs ~5 MB: it loads with the first client, not with notify."""
    from twilio.rest import Client

    client = Client(account_sid, auth_token)
    if api_base_url:
        # Every REST domain we use (api.twilio.com: Calls, Messages, Recordings) goes to the configured server.
        client.api.base_url = api_base_url.rstrip("/")
    return client


@contextmanager
def twilio_errors() -> Iterator[None]:
    """Twilio 4xx (bad number, geo permissions, a finished call): for good; 5xx, 429 and the network: try later."""
    try:
        yield
    except TwilioRestException as error:
        if 400 <= error.status < 500 and error.status != 429:
            raise CallRejected(f"Twilio {error.status} code {error.code}: {error.msg}", str(error.code)) from error
        raise TelephonyUnavailable(f"Twilio {error.status}: {error.msg}") from error
    except (TwilioException, OSError) as error:  # requests' errors are OSErrors
        raise TelephonyUnavailable(repr(error)) from error
