"""Live gauges of order_confirm for `/metrics`: the calling queue per tenant and survey outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlmodel import Session, col

from services.common.metrics import age_seconds
from services.order_confirm.domain.vocabulary import OrderStatus, TaskStatus
from services.order_confirm.models import Attempt, Order, Task, Tenant

WAITING_FOR_FIRST_CALL = (OrderStatus.NEW.value, OrderStatus.AWAITING_CALL.value)


def live_metrics(session: Session, now: datetime) -> Iterator[Metric]:
    slugs = {row[0]: row[1] for row in session.execute(select(col(Tenant.id), col(Tenant.slug)))}
    waiting = GaugeMetricFamily("okno_orders_waiting_first_call", "Orders not called yet", labels=["tenant"])
    oldest = GaugeMetricFamily(
        "okno_oldest_waiting_order_seconds", "How long the oldest uncalled order has waited", labels=["tenant"]
    )
    rows = session.execute(
        select(col(Order.tenant_id), func.count(), func.min(col(Order.received_at)))
        .where(col(Order.status).in_(WAITING_FOR_FIRST_CALL))
        .group_by(col(Order.tenant_id))
    )
    for tenant_id, count, first in rows:
        waiting.add_metric([slugs.get(tenant_id, str(tenant_id))], int(count))
        oldest.add_metric([slugs.get(tenant_id, str(tenant_id))], age_seconds(first, now))
    depth = GaugeMetricFamily("okno_queue_due_tasks", "Open tasks already due (the calling queue)", labels=["tenant"])
    due = session.execute(
        select(col(Task.tenant_id), func.count())
        .where(col(Task.status) == TaskStatus.OPEN.value, col(Task.due_at) <= now)
        .group_by(col(Task.tenant_id))
    )
    for tenant_id, count in due:
        depth.add_metric([slugs.get(tenant_id, str(tenant_id))], int(count))
    surveys = GaugeMetricFamily(
        "okno_survey_results", "Calls by survey outcome (all time)", labels=["tenant", "status"]
    )
    outcomes = session.execute(
        select(col(Attempt.tenant_id), col(Attempt.survey_status), func.count())
        .where(col(Attempt.survey_status).isnot(None))
        .group_by(col(Attempt.tenant_id), col(Attempt.survey_status))
    )
    for tenant_id, status, count in outcomes:
        surveys.add_metric([slugs.get(tenant_id, str(tenant_id)), str(status)], int(count))
    yield from (waiting, oldest, depth, surveys)
    from services.order_confirm.planning.watch import gap_metrics

    yield from gap_metrics(session, now)
