"""Periodic jobs (outbox sweeps, ERP pulls, due callbacks, expiring leases) run by one loop.

In production `okno scheduler` runs this loop in its own container; in `okno run` it is a thread.
A job that needs to run on exactly one replica takes a lease itself (see each job).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import structlog

log = structlog.get_logger(__name__)


# A job that keeps failing the same way is reminded of at this pace, not at every run (an outage of the
# database fails every job every few seconds: one line when it starts, one when it ends).
REMINDER_SECONDS = 300.0


@dataclass
class PeriodicJob:
    name: str
    interval_seconds: float
    run: Callable[[], object]
    next_run: float = field(default=0.0)
    failing: _Failing | None = field(default=None, repr=False)


@dataclass
class _Failing:
    since: float
    error: str
    logged_at: float
    failures: int = 1


def run_jobs(jobs: Iterable[PeriodicJob], stop: threading.Event, *, tick_seconds: float = 0.5) -> None:
    """Run each job every `interval_seconds` until `stop` is set; one failing job never stops the others."""
    pending = list(jobs)
    while not stop.is_set():
        now = time.monotonic()
        for job in pending:
            if now < job.next_run:
                continue
            run_once(job)
            job.next_run = time.monotonic() + job.interval_seconds
        stop.wait(tick_seconds)


def run_once(job: PeriodicJob) -> None:
    """Run the job; a failure is retried at its next interval and logged when it starts, changes or ends."""
    try:
        job.run()
    except Exception as error:
        _failed(job, error)
        return
    if job.failing is not None:
        failing, job.failing = job.failing, None
        seconds = round(time.monotonic() - failing.since, 1)
        log.info("scheduler.job_recovered", job=job.name, failures=failing.failures, failing_seconds=seconds)


def _failed(job: PeriodicJob, error: Exception) -> None:
    now, kind = time.monotonic(), type(error).__name__  # the kind, not the message (it may hold ids, times)
    failing = job.failing
    if failing is None:
        job.failing = _Failing(since=now, error=kind, logged_at=now)
        log.warning("scheduler.job_failed", job=job.name, error=repr(error))
        return
    failing.failures += 1
    if kind != failing.error or now - failing.logged_at >= REMINDER_SECONDS:
        failing.error, failing.logged_at = kind, now
        log.warning("scheduler.job_failed", job=job.name, error=repr(error), failures=failing.failures)


def start_in_thread(jobs: Iterable[PeriodicJob], stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=run_jobs, args=(list(jobs), stop), name="okno-scheduler", daemon=True)
    thread.start()
    return thread
