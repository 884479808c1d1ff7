"""Periodic jobs of notify (run by `okno scheduler`, or a thread inside `okno run`)."""

from __future__ import annotations

from services.common.scheduler import PeriodicJob
from services.notify.runtime import NotifyRuntime


def periodic_jobs(runtime: NotifyRuntime) -> list[PeriodicJob]:
    return runtime.periodic_jobs()
