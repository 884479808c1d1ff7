from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    """`OKNO_NOTIFY_<NAME>`, falling back to `OKNO_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="OKNO_NOTIFY_", extra="ignore")

    twilio_account_sid: str | None = Field(
        None, description="Twilio Account SID; unset = voice and SMS not configured (or the sandbox, where asked for)"
    )
    twilio_auth_token: str | None = Field(None, description="Twilio auth token (also validates Twilio webhooks)")
    twilio_from_number: str | None = Field(
        None,
        description="Caller ID of survey calls and SMS sender, E.164 (tenants' numbers come from order_confirm)",
    )
    twilio_api_key_sid: str | None = Field(
        None, description="Twilio API key (SK…) that signs operators' softphone tokens"
    )
    twilio_api_key_secret: str | None = Field(None, description="Secret of that API key")
    twilio_twiml_app_sid: str | None = Field(
        None, description="TwiML App (AP…) whose voice URL is notify's /twilio/voice/outbound (click-to-call)"
    )
    twilio_api_base_url: str | None = Field(
        None, description="Override of https://api.twilio.com (tests point it at a local Twilio-speaking server)"
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000/notify",
        description="notify's public URL as Twilio sees it (behind a TLS proxy: the https URL); used to sign webhooks",
    )

    # --- post-call survey (per-tenant rules in `survey_rules` override these defaults) ---
    survey_enabled: bool = Field(True, description="Survey customers after a conversation (tenant rules may override)")
    survey_delay_seconds: int = Field(120, ge=0, description="Wait after the operator's call before the survey call")
    survey_window_start: str = Field("09:00", description="Earliest survey call, customer's local time (HH:MM)")
    survey_window_end: str = Field("21:00", description="Latest survey call, customer's local time (HH:MM)")
    survey_outside_window: str = Field("wait", description="Outside the window: `wait` for it to open, or `skip`")
    survey_min_days_between: int = Field(7, ge=0, description="At most one survey per customer in this many days")
    survey_ask_callback: bool = Field(True, description="Last question: press 1 for a supervisor call back")
    survey_ring_timeout_seconds: int = Field(25, ge=5, le=600, description="How long the survey call rings")
    survey_dispatch_seconds: float = Field(5.0, description="How often due survey calls are placed")

    # --- telephony housekeeping ---
    telephony_sweep_seconds: float = Field(
        60.0, description="How often calls without callbacks for hours are closed and stale ringing offers expire"
    )
    inbound_wake_seconds: float = Field(
        5.0, description="How often queued inbound callers are checked for a free operator (and rung at once)"
    )
    telephony_stale_call_hours: float = Field(
        4.0, gt=0, description="A call with no news from Twilio for this long is closed (outcome by what is known)"
    )

    # --- recordings (the retention period itself is each tenant's telephony setting) ---
    recording_retention_seconds: float = Field(
        3600.0, gt=0, description="How often recordings past their tenant's retention are deleted (at Twilio too)"
    )
