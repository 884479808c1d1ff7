"""Periodic jobs of notify (run by `okno scheduler`, or a thread inside `okno run`)."""

from __future__ import annotations

from services.common.scheduler import PeriodicJob
from services.notify.runtime import NotifyRuntime


def periodic_jobs(runtime: NotifyRuntime) -> list[PeriodicJob]:
    return [*runtime.periodic_jobs(), survey_dispatch_job(runtime)]


def survey_dispatch_job(runtime: NotifyRuntime) -> PeriodicJob:
    """Place the survey calls that fell due (the delay passed, the customer's calling window is open)."""
    from services.notify.surveys.dispatch import dispatch_due_surveys
    from services.notify.surveys.placement import enqueue_survey_placement

    return PeriodicJob(
        "notify.survey_dispatch",
        runtime.settings.survey_dispatch_seconds,
        lambda: dispatch_due_surveys(runtime, lambda survey_id: enqueue_survey_placement(runtime, survey_id)),
    )
