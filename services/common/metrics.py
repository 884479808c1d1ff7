"""Prometheus metrics of one service: `GET /metrics` with HTTP latency, webhook outcomes, outbox lag and
dead letters, plus the service's own gauges read from its database at scrape time.

Every app gets its own registry, so the three apps of the embedded process never mix their series.
Gauges that describe stored state (queue depth, outbox lag) are computed when Prometheus scrapes, from
the database, so every replica reports the same truth and nothing is lost on a restart.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlmodel import Session, col
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.clock import as_utc
from services.common.outages import database_fault, database_health
from services.common.runtime import Runtime

log = structlog.get_logger(__name__)

StateMetrics = Callable[[Session, datetime], Iterable[Metric]]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# The order webhook's public answer says whether it was new ("accepted") or a repeat ("duplicate").
WEBHOOK_ROUTE_PREFIX = "/v1/webhooks/"


class ServiceMetrics:
    def __init__(self, runtime: Runtime[Any], state: StateMetrics | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_latency = Histogram(
            "okno_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["service", "method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.webhooks = Counter(
            "okno_webhook_requests",
            "Inbound webhooks by outcome: accepted, duplicate or rejected (any 4xx)",
            ["service", "route", "outcome"],
            registry=self.registry,
        )
        self.registry.register(StoredStateCollector(runtime, state))
        self.service = runtime.name


class StoredStateCollector(Collector):
    """Outbox lag, unsent messages and dead letters of the service, plus its own `state` gauges."""

    def __init__(self, runtime: Runtime[Any], state: StateMetrics | None) -> None:
        self.runtime = runtime
        self.state = state

    def collect(self) -> Iterator[Metric]:
        runtime = self.runtime
        up = GaugeMetricFamily(
            "okno_metrics_database_up", "1 if stored-state metrics could be read", labels=["service"]
        )
        try:
            with Session(runtime.engine) as session:
                now = runtime.clock()
                families = list(_messaging_metrics(session, runtime, now))
                if self.state is not None:
                    families.extend(self.state(session, now))
        except Exception as error:  # a scrape must answer while the database is down (/readyz says why)
            fault = database_fault(error)
            if fault is not None:  # an outage is logged once, by the database's health record
                database_health(runtime.engine.url).report(fault, error)
            else:
                log.warning("metrics.state_unavailable", service=runtime.name, error=repr(error))
            up.add_metric([runtime.name], 0)
            yield up
            return
        up.add_metric([runtime.name], 1)
        yield from (*families, up)


def _messaging_metrics(session: Session, runtime: Runtime[Any], now: datetime) -> Iterator[Metric]:
    outbox, dead = runtime.outbox.model, runtime.dead_letters.model
    unsent_count, oldest = session.execute(
        select(func.count(), func.min(col(outbox.created_at))).where(col(outbox.published_at).is_(None))
    ).one()
    unsent = GaugeMetricFamily("okno_outbox_unsent", "Outbox messages not yet published", labels=["service"])
    unsent.add_metric([runtime.name], int(unsent_count))
    lag = GaugeMetricFamily(
        "okno_outbox_lag_seconds", "Age of the oldest unpublished outbox message (0 when empty)", labels=["service"]
    )
    lag.add_metric([runtime.name], age_seconds(oldest, now))
    waiting = GaugeMetricFamily("okno_dead_letters", "Dead letters not replayed yet", labels=["service", "queue"])
    rows = session.execute(
        select(col(dead.queue_name), func.count()).where(col(dead.replayed_at).is_(None)).group_by(col(dead.queue_name))
    )
    for queue_name, count in rows:
        waiting.add_metric([runtime.name, queue_name], int(count))
    yield from (unsent, lag, waiting, *_settlement_metrics(session, runtime, now))


def _settlement_metrics(session: Session, runtime: Runtime[Any], now: datetime) -> Iterator[Metric]:
    overdue = GaugeMetricFamily(
        "okno_outbox_unsettled_overdue",
        "Published messages no consumer reported settled within the grace period (the next reconciliation "
        "publishes them again)",
        labels=["service"],
    )
    overdue.add_metric([runtime.name], runtime.settlement.overdue(session, now))
    republished = CounterMetricFamily(
        "okno_outbox_republished",
        "Messages published again because no consumer reported them settled (e.g. Redis came back empty)",
        labels=["service"],
    )
    republished.add_metric([runtime.name], runtime.settlement.republished(session))
    yield from (overdue, republished)


def age_seconds(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (now - as_utc(moment)).total_seconds()) if moment is not None else 0.0


class MetricsMiddleware:
    """Times every request by its route template (bounded label values) and counts webhook outcomes."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        body = bytearray()
        # Mounted apps (`okno run`) see the full path, e.g. /integrations/v1/webhooks/acme/orders.
        is_webhook = WEBHOOK_ROUTE_PREFIX in scope.get("path", "")

        async def remember(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and is_webhook and len(body) < 4096:
                body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, remember)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            labels = (self.metrics.service, scope.get("method", ""), route, str(status))
            self.metrics.http_latency.labels(*labels).observe(time.perf_counter() - started)
            if is_webhook and route.startswith(WEBHOOK_ROUTE_PREFIX):
                self.metrics.webhooks.labels(self.metrics.service, route, webhook_outcome(status, bytes(body))).inc()


def webhook_outcome(status: int, body: bytes) -> str:
    if 400 <= status < 500:
        return "rejected"
    if status >= 500:
        return "failed"
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return "accepted"
    return "duplicate" if isinstance(answer, dict) and answer.get("status") == "duplicate" else "accepted"


def install_metrics(app: FastAPI, runtime: Runtime[Any], state: StateMetrics | None = None) -> ServiceMetrics:
    """`GET /metrics` (Prometheus text format) and request timing on `app`."""
    metrics = ServiceMetrics(runtime, state)
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return metrics
