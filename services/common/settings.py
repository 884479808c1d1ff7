"""Settings every service has. A service reads `OKNO_<SERVICE>_<NAME>` first, then the shared `OKNO_<NAME>`."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from services.common.secret_keys import KEYS_VARIABLE, parse_keys

DEV_SERVICE_TOKEN = "okno-dev-service-token"


class ServiceSettings(BaseSettings):
    """Fields shared by all services; each service subclasses it with its own `env_prefix`."""

    model_config = SettingsConfigDict(env_prefix="OKNO_", extra="ignore")

    database_url: str = Field("sqlite:///./okno.db", description="SQLAlchemy URL of this service's database")
    db_pool_size: int = Field(
        10,
        ge=1,
        description="Sync connections per process (plus half as many for relay and workers); "
        "requests holding a sync session are capped at this",
    )
    db_async_pool_size: int = Field(10, ge=1, description="Async (asyncpg) connections per process for the hot paths")
    db_pool_recycle_seconds: int = Field(
        1800, ge=1, description="Reopen pooled connections after this many seconds (instead of a ping per use)"
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1, description="Largest request body any endpoint accepts (413 problem+json above)"
    )
    redis_url: str | None = Field(None, description="Redis URL of the dramatiq broker; unset = in-process broker")
    broker_namespace: str = Field("okno", description="Redis key namespace of the broker")
    broker_heartbeat_timeout_seconds: float = Field(
        20.0,
        gt=0,
        description="A worker silent for this long is dead: its unacknowledged messages go back to their queue",
    )
    broker_requeue_seconds: float = Field(
        5.0,
        gt=0,
        description="How often each worker puts dead workers' messages back on its queues (a killed worker's "
        "messages run again within heartbeat timeout + this)",
    )
    log_level: str = Field("INFO", description="Log level")
    sandbox: bool = Field(
        False,
        description="Serve providers without credentials from local sandboxes (telephony simulator, SMS outbox, "
        "payment and 1C sandboxes); `okno run` turns it on. Never set it in production",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or CIDRs of the reverse proxies in front of this service; only "
        "their X-Forwarded-For / X-Forwarded-Proto are believed (default none: the TCP peer is the client)",
    )
    secret_keys: SecretStr = Field(
        SecretStr(""),
        description="Fernet keys that encrypt stored credentials, comma-separated, newest first (`okno secrets "
        "new-key`); integrations refuses to start without a key",
    )
    secret_key_file: str = Field(
        "okno-secret.key",
        description="File of Fernet keys (one a line, newest first) read when OKNO_SECRET_KEYS is empty and the "
        "file exists; `okno run` creates it on first start",
    )
    service_token: str = Field(
        DEV_SERVICE_TOKEN,
        description="Bearer token services use to call each other and the admin routes",
    )
    outbox_sweep_seconds: float = Field(10.0, description="How often unsent outbox messages are republished")
    outbox_settle_grace_seconds: float = Field(
        900.0,
        gt=0,
        description="A published message its consumer has not reported settled (applied or dead-lettered) after "
        "this long is published again (a Redis that came back empty); keep it above the consumers' retry span",
    )
    outbox_reconcile_seconds: float = Field(
        60.0, gt=0, description="How often the scheduler republishes messages overdue for settlement"
    )
    max_retries: int = Field(8, description="Consumer retries before a message is dead-lettered")
    min_backoff_ms: int = Field(1_000, description="First retry delay in ms (doubles each retry)")
    max_backoff_ms: int = Field(300_000, description="Longest retry delay in ms")

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: str) -> str:
        from services.common.forwarded import parse_networks

        parse_networks(value)  # refuse to start on a typo rather than silently trust nobody (or everybody)
        return value

    @field_validator("secret_keys")
    @classmethod
    def _valid_keys(cls, value: SecretStr) -> SecretStr:
        parse_keys(value.get_secret_value(), source=KEYS_VARIABLE)  # a typo must not start a service
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The service's own prefix wins; the shared OKNO_ prefix fills what it does not set.
        shared = EnvSettingsSource(settings_cls, env_prefix="OKNO_")
        return (
            init_settings,
            env_settings,
            shared,
            dotenv_settings,
            file_secret_settings,
        )
