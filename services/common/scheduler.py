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


@dataclass
class PeriodicJob:
    name: str
    interval_seconds: float
    run: Callable[[], object]
    next_run: float = field(default=0.0)


def run_jobs(jobs: Iterable[PeriodicJob], stop: threading.Event, *, tick_seconds: float = 0.5) -> None:
    """Run each job every `interval_seconds` until `stop` is set; one failing job never stops the others."""
    pending = list(jobs)
    while not stop.is_set():
        now = time.monotonic()
        for job in pending:
            if now < job.next_run:
                continue
            try:
                job.run()
            except Exception as error:  # a job failure is logged and retried at its next interval
                log.warning("scheduler.job_failed", job=job.name, error=repr(error))
            job.next_run = time.monotonic() + job.interval_seconds
        stop.wait(tick_seconds)


def start_in_thread(jobs: Iterable[PeriodicJob], stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=run_jobs, args=(list(jobs), stop), name="okno-scheduler", daemon=True)
    thread.start()
    return thread
