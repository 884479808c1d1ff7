"""Periodic jobs of order_confirm (run by `okno scheduler`, or a thread inside `okno run`)."""

from __future__ import annotations

from services.common.db import transaction
from services.common.scheduler import PeriodicJob
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service import ownership


def periodic_jobs(runtime: OrderConfirmRuntime) -> list[PeriodicJob]:
    return [
        *runtime.periodic_jobs(),
        PeriodicJob("order_confirm.pool_sweep", runtime.settings.pool_sweep_seconds, lambda: sweep_pools(runtime)),
        PeriodicJob("order_confirm.cover_sweep", runtime.settings.cover_sweep_seconds, lambda: sweep_cover(runtime)),
        PeriodicJob(
            "order_confirm.daily_reports", runtime.settings.daily_report_sweep_seconds, lambda: daily_reports(runtime)
        ),
        PeriodicJob("order_confirm.planning", runtime.settings.planning_sweep_seconds, lambda: plans(runtime)),
        PeriodicJob("order_confirm.qa_samples", runtime.settings.qa_sample_sweep_seconds, lambda: qa_samples(runtime)),
        PeriodicJob(
            "order_confirm.telephony_presence",
            runtime.settings.telephony_presence_sweep_seconds,
            lambda: telephony_presence(runtime),
        ),
    ]


def sweep_pools(runtime: OrderConfirmRuntime) -> int:
    with transaction(runtime.engine) as session:
        return ownership.sweep_pools(session, now=runtime.clock())


def sweep_cover(runtime: OrderConfirmRuntime) -> int:
    """Hand due tasks of off-shift owners to their cover (and back); see service/cover.py."""
    from services.order_confirm.service import cover

    with transaction(runtime.engine) as session:
        return cover.sweep(session, now=runtime.clock())


def daily_reports(runtime: OrderConfirmRuntime) -> int:
    """Yesterday's report per tenant, once, in the tenant's timezone; see service/reports/daily.py."""
    from services.order_confirm.service.reports.daily import generate_due

    return generate_due(runtime)


def plans(runtime: OrderConfirmRuntime) -> int:
    """Queued and nightly staffing plans, computed outside any request; see planning/compute.py."""
    from services.order_confirm.planning.compute import sweep

    return sweep(runtime)


def qa_samples(runtime: OrderConfirmRuntime) -> int:
    """Each tenant's QA sample of the week that just ended, drawn once (also drawn when the queue is opened)."""
    from services.order_confirm.qa.service.work_queue import draw_due

    return draw_due(runtime.engine, now=runtime.clock())


def telephony_presence(runtime: OrderConfirmRuntime) -> int:
    """Logins that went quiet are taken off inbound call routing; see telephony/projection/sweep.py."""
    from services.order_confirm.telephony.projection.sweep import quiet_logins

    with transaction(runtime.engine) as session:
        return quiet_logins(session)
