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

    # --- ERP sync and outbound deliveries ---
    erp_timeout_seconds: float = Field(15.0, description="Timeout of one request to a tenant's ERP or webhook URL")
    erp_pull_lease_seconds: int = Field(300, description="How long a scheduler replica holds a tenant's pull")
    erp_read_ahead_process: bool = Field(
        True, description="A pull of more than one page prepares the rest in a process of its own (a second core)"
    )
    delivery_retry_budget_hours: float = Field(24.0, description="How long a push is retried before it is dead")
    delivery_min_backoff_seconds: float = Field(5.0, description="First retry delay of a push (doubles each time)")
    delivery_max_backoff_seconds: float = Field(1800.0, description="Longest retry delay of a push")
    delivery_claim_seconds: int = Field(120, description="A push claimed by a worker is retried after this")
    delivery_sweep_seconds: float = Field(2.0, description="How often the scheduler sends due pushes")
    delivery_batch_size: int = Field(100, description="Pushes sent per sweep")
    breaker_failure_threshold: int = Field(5, description="Failures in a row that open an endpoint's breaker")
    breaker_open_seconds: float = Field(60.0, description="How long an open breaker holds an endpoint's pushes")

    # --- same-day delivery and payment links ---
    payment_link_sweep_seconds: float = Field(30.0, description="How often expired payment links release their slot")
    shipment_refresh_seconds: float = Field(60.0, description="How often unconfirmed courier shipments are re-read")
