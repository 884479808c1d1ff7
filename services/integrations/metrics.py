"""Live gauges of integrations for `/metrics`: outbound sync backlog (ERP and shop webhooks) and ERP pulls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlmodel import Session, col

from services.common.metrics import age_seconds
from services.integrations.models.deliveries import Delivery
from services.integrations.models.erp import ErpCursor


def live_metrics(session: Session, now: datetime) -> Iterator[Metric]:
    backlog = GaugeMetricFamily("okno_deliveries", "Outbound deliveries by status", labels=["target", "status"])
    latency = GaugeMetricFamily(
        "okno_sync_latency_seconds",
        "Age of the oldest outcome not yet delivered (how far the ERP / shop lags behind)",
        labels=["target"],
    )
    rows = session.execute(
        select(col(Delivery.target), col(Delivery.status), func.count(), func.min(col(Delivery.created_at))).group_by(
            col(Delivery.target), col(Delivery.status)
        )
    )
    for target, status, count, oldest in rows:
        backlog.add_metric([target, status], int(count))
        if status == "pending":
            latency.add_metric([target], age_seconds(oldest, now))
    pulls = GaugeMetricFamily(
        "okno_erp_pull_age_seconds", "Time since the tenant's last finished ERP pull", labels=["tenant"]
    )
    for tenant, finished in session.execute(select(col(ErpCursor.tenant), col(ErpCursor.last_finished_at))):
        if finished is not None:
            pulls.add_metric([tenant], age_seconds(finished, now))
    yield from (backlog, latency, pulls)
