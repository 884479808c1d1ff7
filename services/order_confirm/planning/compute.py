"""Computing plans without holding a database connection while the statistics run.

A plan is requested (a planner's "recompute", or the nightly sweep) as a `queued` run; the scheduler's
planning job claims it, loads history in one short transaction, releases the session, computes (seconds:
Holt-Winters fits, Erlang C for 672 intervals), and stores the intervals and the run in another short
transaction. API routes only ever read stored plans, so no request waits for a computation.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from services.common.db import transaction
from services.order_confirm.domain.policy import InvalidPolicy, parse_policy
from services.order_confirm.models import Tenant
from services.order_confirm.planning import history
from services.order_confirm.planning.domain.plan import Override, Plan, PlanInputs, build_plan
from services.order_confirm.planning.domain.targets import targets_from_policy
from services.order_confirm.planning.models import ForecastOverride, PlanInterval, PlanRun
from services.order_confirm.runtime import OrderConfirmRuntime

log = structlog.get_logger(__name__)
HORIZON_DAYS = 14
STALE_RUNNING = timedelta(minutes=30)  # a run claimed this long ago by a scheduler that died is taken again


class RunStatus:
    QUEUED, RUNNING, READY, FAILED = "queued", "running", "ready", "failed"


def request_run(session: Session, tenant_id: int, *, now: datetime, requested_by_id: int | None) -> PlanRun:
    """Queue a computation, or return the one already waiting (a double click queues one run)."""
    pending = session.exec(
        select(PlanRun)
        .where(PlanRun.tenant_id == tenant_id, col(PlanRun.status).in_([RunStatus.QUEUED, RunStatus.RUNNING]))
        .order_by(col(PlanRun.id).desc())
    ).first()
    if pending is not None:
        return pending
    run = PlanRun(tenant_id=tenant_id, status=RunStatus.QUEUED, requested_by_id=requested_by_id, requested_at=now)
    session.add(run)
    session.flush()
    return run


def queue_nightly(session: Session, *, now: datetime, nightly_hour: int) -> int:
    """Queue a run for every tenant whose last run started before today's nightly hour (local) passed."""
    queued = 0
    for tenant in session.exec(select(Tenant).order_by(col(Tenant.id))).all():
        assert tenant.id is not None
        local = now.astimezone(ZoneInfo(tenant.timezone))
        due_since = datetime.combine(local.date(), time(nightly_hour), tzinfo=local.tzinfo)
        if local < due_since:
            due_since -= timedelta(days=1)
        last = session.exec(
            select(PlanRun.requested_at).where(PlanRun.tenant_id == tenant.id).order_by(col(PlanRun.id).desc())
        ).first()
        if last is None or last < due_since:
            request_run(session, tenant.id, now=now, requested_by_id=None)
            queued += 1
    return queued


def sweep(runtime: OrderConfirmRuntime) -> int:
    """The scheduler's planning job: queue the nightly runs, then compute every queued run, one at a time."""
    with transaction(runtime.engine) as session:
        queue_nightly(session, now=runtime.clock(), nightly_hour=runtime.settings.planning_nightly_hour)
    done = 0
    while (run_id := _claim(runtime)) is not None:
        compute_run(runtime, run_id)
        done += 1
    return done


def _claim(runtime: OrderConfirmRuntime) -> int | None:
    now = runtime.clock()
    with transaction(runtime.engine) as session:
        candidates = session.exec(
            select(PlanRun.id).where(
                (col(PlanRun.status) == RunStatus.QUEUED)
                | ((col(PlanRun.status) == RunStatus.RUNNING) & (col(PlanRun.started_at) < now - STALE_RUNNING))
            )
        ).all()
        for run_id in candidates:
            # Conditional update: of two scheduler replicas, exactly one moves the run to `running`.
            claimed = session.execute(
                update(PlanRun)
                .where(col(PlanRun.id) == run_id, col(PlanRun.status) != RunStatus.READY)
                .where((col(PlanRun.status) == RunStatus.QUEUED) | (col(PlanRun.started_at) < now - STALE_RUNNING))
                .values(status=RunStatus.RUNNING, started_at=now)
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                return run_id
    return None


def compute_run(runtime: OrderConfirmRuntime, run_id: int) -> None:
    try:
        with transaction(runtime.engine) as session:
            inputs = load_inputs(session, run_id, now=runtime.clock())
        plan = build_plan(inputs)  # no session open: seconds of statistics hold no connection
        with transaction(runtime.engine) as session:
            store(session, run_id, inputs.first_day, plan, now=runtime.clock())
    except Exception as error:  # a broken tenant must not stop the others' plans; the run says what failed
        log.exception("planning.run_failed", run_id=run_id)
        with transaction(runtime.engine) as session:
            session.execute(
                update(PlanRun)
                .where(col(PlanRun.id) == run_id)
                .values(status=RunStatus.FAILED, finished_at=runtime.clock(), error=str(error)[:500])
            )


def load_inputs(session: Session, run_id: int, *, now: datetime) -> PlanInputs:
    run = session.get(PlanRun, run_id)
    assert run is not None
    tenant = session.get(Tenant, run.tenant_id)
    assert tenant is not None and tenant.id is not None
    tz = ZoneInfo(tenant.timezone)
    today = now.astimezone(tz).date()
    past = history.load(session, tenant.id, tz, today=today)
    try:
        hours = parse_policy(tenant.policy).calling_hours
    except InvalidPolicy:
        hours = parse_policy({}).calling_hours
    overrides = session.exec(
        select(ForecastOverride).where(
            ForecastOverride.tenant_id == tenant.id,
            col(ForecastOverride.day) >= today,
            col(ForecastOverride.day) < today + timedelta(days=HORIZON_DAYS),
        )
    ).all()
    return PlanInputs(
        history_first_day=past.first_day,
        orders=past.orders,
        inbound=past.inbound.per_interval,
        inbound_available=past.inbound.available,
        attempts_per_order=past.attempts_per_order,
        outbound_aht_seconds=past.outbound_aht_seconds,
        inbound_aht_seconds=past.inbound.aht_seconds,
        first_day=today,
        days=HORIZON_DAYS,
        targets=targets_from_policy(tenant.policy),
        calling_start=hours.start,
        calling_end=hours.end,
        overrides=[Override(o.day, o.stream, o.factor) for o in overrides],
    )


def store(session: Session, run_id: int, first_day: date, plan: Plan, *, now: datetime) -> None:
    run = session.get(PlanRun, run_id)
    assert run is not None
    tenant = session.get(Tenant, run.tenant_id)
    assert tenant is not None
    tz = ZoneInfo(tenant.timezone)
    starts = [item.interval.starts_at(tz) for item in plan.intervals]
    # The computed horizon replaces whatever an older run planned for it; earlier intervals stay as forecast.
    session.execute(
        delete(PlanInterval).where(
            col(PlanInterval.tenant_id) == run.tenant_id, col(PlanInterval.starts_at) >= min(starts)
        )
    )
    seen: set[datetime] = set()
    for item, starts_at in zip(plan.intervals, starts, strict=True):
        if starts_at in seen:  # the repeated local hour of an autumn clock change maps twice to one instant
            continue
        seen.add(starts_at)
        session.add(
            PlanInterval(
                tenant_id=run.tenant_id,
                starts_at=starts_at,
                run_id=run_id,
                orders=item.orders,
                outbound_calls=item.outbound_calls,
                inbound_calls=item.inbound_calls,
                agents=item.agents,
                required=item.required,
                outbound_service_level=item.outbound_service_level,
                inbound_service_level=item.inbound_service_level,
            )
        )
    run.status, run.finished_at, run.first_day, run.days = RunStatus.READY, now, first_day, HORIZON_DAYS
    run.summary, run.error = plan.summary, None
    session.add(run)
