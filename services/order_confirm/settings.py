from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class OrderConfirmSettings(ServiceSettings):
    """`OKNO_ORDER_CONFIRM_<NAME>`, falling back to `OKNO_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="OKNO_ORDER_CONFIRM_", extra="ignore")

    jwt_secret: str = Field(
        "okno-dev-jwt-secret-change-me-in-production",
        description="HMAC key of access tokens",
    )
    access_token_minutes: int = Field(15, description="Lifetime of an access token")
    refresh_token_days: int = Field(7, description="Lifetime of a refresh token")
    lockout_after_failures: int = Field(
        5, description="Wrong passwords in a row from one address that lock the account for that address"
    )
    lockout_minutes: int = Field(15, description="How long an (account, address) lock lasts after its last try")
    login_rate_limit: int = Field(20, description="Failed password logins allowed per client address per window")
    login_rate_window_seconds: int = Field(60, description="Window of the login rate limit")
    cover_sweep_seconds: float = Field(
        30.0, gt=0, description="How often due tasks of off-shift owners are handed to their cover operator"
    )
    integrations_url: str = Field(
        "http://127.0.0.1:8000/integrations",
        description="Base URL of the integrations service (same-day, payments)",
    )
    task_lease_seconds: int = Field(
        300,
        description="How long a claimed task stays with the operator who claimed it",
    )
    pool_sweep_seconds: float = Field(
        30.0,
        description="How often customers waiting in a tenant's unassigned pool are offered to on-shift operators",
    )
    events_coalesce_seconds: float = Field(
        0.25,
        gt=0,
        le=1,
        description="A woken live-update stream (GET /api/v1/events) re-reads the queue at most this often, so a "
        "burst of changes costs one read; the first change of a burst is read at once",
    )
    events_floor_seconds: float = Field(
        2.0,
        gt=0,
        description="A supervisor's live floor summary, which costs far more than a queue, is re-read at most "
        "this often however many changes wake it",
    )
    events_safety_poll_seconds: float = Field(
        30.0,
        gt=0,
        description="A live-update stream re-reads even without a wake-up after this long: the safety net for a "
        "change nobody announced (a script writing SQL directly)",
    )
    events_heartbeat_seconds: float = Field(
        15.0,
        gt=0,
        description="Idle time after which a live-update stream sends a keep-alive comment (proxies drop silent ones)",
    )
    events_stream_seconds: float = Field(
        60.0,
        gt=0,
        description="A live-update stream ends after this long and the console reconnects at once, so streams "
        "spread over new API replicas and a restarting server waits at most this long for them",
    )
    daily_report_sweep_seconds: float = Field(
        300.0, gt=0, description="How often the scheduler looks for tenants whose daily report is due"
    )
    daily_report_ready_hour: int = Field(
        6,
        ge=0,
        le=23,
        description="Tenant-local hour after which yesterday's daily report is generated (late surveys are in)",
    )
    daily_report_catch_up_days: int = Field(
        7, ge=1, le=31, description="Closed days a restarted scheduler still generates missing daily reports for"
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Where browsers reach order_confirm; used in links sent to shops (daily report download)",
    )
    planning_sweep_seconds: float = Field(
        30.0, gt=0, description="How often the scheduler computes queued staffing plans (and queues the nightly ones)"
    )
    qa_sample_sweep_seconds: float = Field(
        3600.0, gt=0, description="How often the scheduler draws each tenant's QA sample of the week that just ended"
    )
    planning_nightly_hour: int = Field(
        2, ge=0, le=23, description="Tenant-local hour after which each tenant's plan is recomputed for the new day"
    )
    roster_time_limit_seconds: float = Field(
        10.0, gt=0, le=120, description="Longest time the roster optimizer (OR-Tools) searches for a proposal"
    )
    notify_url: str = Field(
        "http://127.0.0.1:8000/notify",
        description="Base URL of the notify service (softphone tokens, call controls, recordings' audio)",
    )
    telephony_presence_idle_minutes: float = Field(
        20.0,
        gt=0,
        description="A login whose console has not renewed its token for this long no longer counts as signed in "
        "for inbound call routing (the console renews every access-token lifetime)",
    )
    telephony_presence_sweep_seconds: float = Field(
        60.0, gt=0, description="How often logins that went quiet are taken off inbound call routing"
    )

    @property
    def telephony_presence_idle(self) -> timedelta:
        return timedelta(minutes=self.telephony_presence_idle_minutes)
