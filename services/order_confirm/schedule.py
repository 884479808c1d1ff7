"""Periodic jobs of order_confirm (run by `okno scheduler`, or a thread inside `okno run`)."""

from __future__ import annotations

from services.common.scheduler import PeriodicJob
from services.order_confirm.runtime import OrderConfirmRuntime


def periodic_jobs(runtime: OrderConfirmRuntime) -> list[PeriodicJob]:
    return runtime.periodic_jobs()
