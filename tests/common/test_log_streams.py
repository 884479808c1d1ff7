"""Log lines follow sys.stderr as it is when written: a stream swapped and closed after logging was configured
(pytest's capture, a daemonizer) must neither fail the caller nor swallow the line."""

from __future__ import annotations

import io
import logging
import sys

import pytest
import structlog

from services.common.logs import configure_logging


def test_lines_go_to_the_current_stderr_after_the_configured_one_was_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lent = io.StringIO()
    monkeypatch.setattr(sys, "stderr", lent)
    configure_logging("INFO")
    lent.close()
    current = io.StringIO()
    monkeypatch.setattr(sys, "stderr", current)

    structlog.get_logger().info("message.consumed", message_id="m-1")
    logging.getLogger("dramatiq").warning("worker %s stopped", "w-1")

    lines = current.getvalue().splitlines()
    assert any('"message.consumed"' in line and '"m-1"' in line for line in lines)
    assert any("worker w-1 stopped" in line for line in lines)
