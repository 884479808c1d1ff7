"""`okno run`: the README's first command serves all three services from one process on a fresh directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support import free_port, wait_until

# Subprocesses, restarts or long waits: scheduled first (tests/conftest.py).
pytestmark = pytest.mark.slow


def _healthy(base_url: str) -> bool:
    try:
        return all(
            httpx.get(f"{base_url}{mount}/healthz", timeout=1).status_code == 200
            for mount in ("", "/integrations", "/notify")
        )
    except httpx.HTTPError:
        return False


def test_okno_run_serves_every_service_from_a_fresh_directory_within_60_seconds(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    okno = Path(sys.executable).with_name("okno")
    process = subprocess.Popen(
        [str(okno), "run", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _healthy(base_url) or process.poll() is not None, timeout=60, interval=0.25)
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else "okno run exited"
        assert (tmp_path / "okno.db").exists(), "the embedded default keeps its SQLite file in the working directory"
        # ...and beside it the key its stored credentials are encrypted with, readable by its owner only.
        assert (tmp_path / "okno-secret.key").stat().st_mode & 0o777 == 0o600
        ready = httpx.get(f"{base_url}/readyz").json()
        assert ready["status"] == "ok" and ready["checks"]["broker"] == "ok"
        console = httpx.get(f"{base_url}/", follow_redirects=False)
        assert console.status_code in (302, 307) and console.headers["location"] == "/console/"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
