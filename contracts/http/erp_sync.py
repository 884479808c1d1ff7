"""Admin bodies of integrations' ERP sync and outbound deliveries (service token; the console proxies them).

Configuration bodies come from operators of Okno, so unknown fields are rejected; the ERP password is
write-only and never appears in an answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, Field, StringConstraints

from contracts.envelope import Strict

OutboundEvent = Literal[
    "order.confirmed",
    "order.changed",
    "order.cancelled",
    "order.unreachable",
    "payment.succeeded",
    "survey.completed",
    "report.daily",
]
DeliveryStatus = Literal["pending", "delivered", "dead"]


class ErpConnectionIn(Strict):
    kind: Literal["onec_odata"] = "onec_odata"
    base_url: AnyHttpUrl  # …/odata/standard.odata/
    username: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    password: Annotated[str, StringConstraints(max_length=200)]
    # Overrides of the mapping (services/integrations/adapters/erp/onec_mapping.py); {} = "УТ 11" defaults.
    mapping: dict[str, Any] = Field(default_factory=dict)
    pull_interval_seconds: Annotated[int, Field(ge=10, le=86_400)] = 60
    page_size: Annotated[int, Field(ge=1, le=5_000)] = 500
    enabled: bool = True


class ErpConnectionOut(Strict):
    tenant: str
    kind: str
    base_url: str
    username: str
    mapping: dict[str, Any]
    pull_interval_seconds: int
    page_size: int
    enabled: bool
    position: str | None = None
    pulled_total: int = 0
    last_finished_at: datetime | None = None
    last_error: str | None = None


class ShopWebhookIn(Strict):
    url: AnyHttpUrl
    events: list[OutboundEvent] = Field(default_factory=list)  # empty = every event
    secret: Annotated[str, StringConstraints(pattern=r"^whsec_[A-Za-z0-9+/=]{16,}$")] | None = None  # None = generate
    enabled: bool = True


class ShopWebhookOut(Strict):
    tenant: str
    url: str
    events: list[str]
    # The shop verifies our signatures with it. Only in the answer to the PUT that generated it (no secret
    # sent, no endpoint before): a secret is never read back from Okno after it was set.
    secret: str | None = None
    enabled: bool


class DeliveryAttemptView(Strict):
    attempted_at: datetime
    outcome: str
    status_code: int | None
    duration_ms: int
    error: str | None


class DeliveryView(Strict):
    id: int
    tenant: str
    target: Literal["erp", "webhook"]
    event_type: str
    message_id: str
    document_key: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None
    replay_count: int
    log: list[DeliveryAttemptView] = Field(default_factory=list)


class PullResult(Strict):
    tenant: str
    pages: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    pulled_total: int
    exhausted: bool
