from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class IntegrationsSettings(ServiceSettings):
    """`OKNO_INTEGRATIONS_<NAME>`, falling back to `OKNO_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="OKNO_INTEGRATIONS_", extra="ignore")

    # --- order webhook (intake) ---
    webhook_max_bytes: int = Field(1_048_576, description="Largest accepted order webhook body (413 above)")
    webhook_tolerance_seconds: int = Field(
        300, description="Replay window: how far webhook-timestamp may be from now (Standard Webhooks: 5 min)"
    )
    webhook_previous_secret_hours: float = Field(
        24.0, description="How long the previous webhook secret stays valid after a rotation"
    )

    # --- same-day delivery and payment links ---
    payment_link_sweep_seconds: float = Field(30.0, description="How often expired payment links release their slot")
    shipment_refresh_seconds: float = Field(60.0, description="How often unconfirmed courier shipments are re-read")
