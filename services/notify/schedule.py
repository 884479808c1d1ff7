"""Periodic jobs of notify (run by `okno scheduler`, or a thread inside `okno run`)."""

from __future__ import annotations

from services.common.scheduler import PeriodicJob
from services.notify.runtime import NotifyRuntime


def periodic_jobs(runtime: NotifyRuntime) -> list[PeriodicJob]:
    return [
        *runtime.periodic_jobs(),
        survey_dispatch_job(runtime),
        telephony_sweep_job(runtime),
        inbound_wake_job(runtime),
        recording_retention_job(runtime),
    ]


def survey_dispatch_job(runtime: NotifyRuntime) -> PeriodicJob:
    """Place the survey calls that fell due (the delay passed, the customer's calling window is open)."""
    from services.notify.surveys.dispatch import dispatch_due_surveys
    from services.notify.surveys.placement import enqueue_survey_placement

    return PeriodicJob(
        "notify.survey_dispatch",
        runtime.settings.survey_dispatch_seconds,
        lambda: dispatch_due_surveys(runtime, lambda survey_id: enqueue_survey_placement(runtime, survey_id)),
    )


def telephony_sweep_job(runtime: NotifyRuntime) -> PeriodicJob:
    """Close calls Twilio went silent about for hours; expire ringing offers that never came back."""
    from services.notify.telephony.sweep import sweep

    return PeriodicJob("notify.telephony_sweep", runtime.settings.telephony_sweep_seconds, lambda: sweep(runtime))


def inbound_wake_job(runtime: NotifyRuntime) -> PeriodicJob:
    """Ring waiting callers as soon as an operator is free, not only when their hold music ends."""
    from services.notify.telephony.inbound.wakeup import wake_all

    return PeriodicJob("notify.inbound_wake", runtime.settings.inbound_wake_seconds, lambda: wake_all(runtime))


def recording_retention_job(runtime: NotifyRuntime) -> PeriodicJob:
    """Delete recordings past their tenant's retention at the provider and in Okno (`recording.deleted`)."""
    from services.notify.recordings.deletion import delete_expired

    return PeriodicJob(
        "notify.recording_retention", runtime.settings.recording_retention_seconds, lambda: delete_expired(runtime)
    )
