"""Live gauges of notify for `/metrics`: survey calls by status (placed, answered, skipped, failed…)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlmodel import Session, col

from services.notify.surveys.models import SurveyCall


def live_metrics(session: Session, now: datetime) -> Iterator[Metric]:
    calls = GaugeMetricFamily("okno_survey_calls", "Survey calls by status (all time)", labels=["tenant", "status"])
    rows = session.execute(
        select(col(SurveyCall.tenant), col(SurveyCall.status), func.count()).group_by(
            col(SurveyCall.tenant), col(SurveyCall.status)
        )
    )
    for tenant, status, count in rows:
        calls.add_metric([tenant, status], int(count))
    yield calls
