"""Periodic jobs of integrations (run by `okno scheduler`, or a thread inside `okno run`)."""

from __future__ import annotations

from services.common.scheduler import PeriodicJob
from services.integrations.runtime import IntegrationsRuntime


def periodic_jobs(runtime: IntegrationsRuntime) -> list[PeriodicJob]:
    return runtime.periodic_jobs()
