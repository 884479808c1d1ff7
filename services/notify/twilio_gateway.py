"""The one place notify builds Twilio objects: the REST client and the webhook signature validator.

Without credentials (`okno run`) notify uses sandbox credentials and the local simulator instead; the
validator then checks signatures made with the sandbox token, exactly as with the real Twilio.
"""

from __future__ import annotations

from twilio.request_validator import RequestValidator
from twilio.rest import Client

from services.notify.settings import NotifySettings

SANDBOX_ACCOUNT_SID = "AC00000000000000000000000000000000"
SANDBOX_AUTH_TOKEN = "okno-sandbox-twilio-auth-token"


def is_sandbox(settings: NotifySettings) -> bool:
    return not (settings.twilio_account_sid and settings.twilio_auth_token)


def auth_token(settings: NotifySettings) -> str:
    return settings.twilio_auth_token or SANDBOX_AUTH_TOKEN


def rest_client(settings: NotifySettings) -> Client:
    """The synchronous client (used inside dramatiq actors); points at `twilio_api_base_url` when set."""
    client = Client(settings.twilio_account_sid or SANDBOX_ACCOUNT_SID, auth_token(settings))
    if settings.twilio_api_base_url:
        # Every REST domain (api.twilio.com for Calls and Messages) goes to the configured server.
        client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client


def request_validator(settings: NotifySettings) -> RequestValidator:
    return RequestValidator(auth_token(settings))
