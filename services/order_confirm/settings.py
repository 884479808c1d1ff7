from __future__ import annotations

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
    integrations_url: str = Field(
        "http://127.0.0.1:8000/integrations",
        description="Base URL of the integrations service (same-day, payments)",
    )
    task_lease_seconds: int = Field(
        300,
        description="How long a claimed task stays with the operator who claimed it",
    )
