"""A periodic job that fails run after run (the database is down) logs when it starts failing, when the failure
changes and when it recovers, not at every run."""

from __future__ import annotations

import pytest
import structlog

from services.common import scheduler
from services.common.scheduler import PeriodicJob, run_once


class Outage:
    def __init__(self) -> None:
        self.error: Exception | None = ConnectionRefusedError("connection refused")

    def __call__(self) -> None:
        if self.error is not None:
            raise self.error


def test_a_failing_job_logs_its_start_changes_and_recovery_once(monkeypatch: pytest.MonkeyPatch) -> None:
    outage = Outage()
    job = PeriodicJob("probe.sweep", 1.0, outage)
    with structlog.testing.capture_logs() as logs:
        for _ in range(20):
            run_once(job)
        outage.error = TimeoutError("timed out")
        for _ in range(5):
            run_once(job)
        monkeypatch.setattr(scheduler, "REMINDER_SECONDS", 0.0)
        run_once(job)
        outage.error = None
        run_once(job)
        run_once(job)

    events = [(line["event"], line.get("failures")) for line in logs]
    assert events == [
        ("scheduler.job_failed", None),
        ("scheduler.job_failed", 21),  # a different failure
        ("scheduler.job_failed", 26),  # the reminder
        ("scheduler.job_recovered", 26),
    ]
    assert "connection refused" in logs[0]["error"]
