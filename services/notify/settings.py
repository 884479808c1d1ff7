from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    """`OKNO_NOTIFY_<NAME>`, falling back to `OKNO_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="OKNO_NOTIFY_", extra="ignore")

    twilio_account_sid: str | None = Field(None, description="Twilio Account SID; unset = sandbox telephony")
    twilio_auth_token: str | None = Field(None, description="Twilio auth token (also validates Twilio webhooks)")
    twilio_from_number: str | None = Field(None, description="Caller ID / SMS sender in E.164")
    twilio_api_base_url: str | None = Field(
        None, description="Override of https://api.twilio.com (tests point it at a local Twilio-speaking server)"
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000/notify",
        description="notify's public URL as Twilio sees it (behind a TLS proxy: the https URL); used to sign webhooks",
    )
