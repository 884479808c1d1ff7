"""A real `okno run` process in a directory of its own, as a new user starts it (no OKNO_ settings)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support import free_port, wait_until

OKNO = Path(sys.executable).with_name("okno")


def user_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("OKNO_")}


def okno_command(directory: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Another `okno` command in `directory` (a second terminal next to `okno run`)."""
    command = [str(OKNO), *args]
    return subprocess.run(
        command, check=False, cwd=directory, env=user_environment(), capture_output=True, text=True, timeout=timeout
    )


def healthy(base_url: str) -> bool:
    try:
        return all(
            httpx.get(f"{base_url}{mount}/healthz", timeout=1).status_code == 200
            for mount in ("", "/integrations", "/notify")
        )
    except httpx.HTTPError:
        return False


@dataclass
class RunningOkno:
    directory: Path
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def query(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        """Read the process's SQLite database (read-only, beside the running server)."""
        uri = f"file:{self.directory / 'okno.db'}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=10)) as connection:
            return connection.execute(sql, parameters).fetchall()


@contextmanager
def running_okno(directory: Path, *, port: int | None = None) -> Iterator[RunningOkno]:
    port = port or free_port()
    log = directory / "okno-run.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(OKNO), "run", "--port", str(port)],
            cwd=directory,
            env=user_environment(),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    running = RunningOkno(directory, port, process, log)
    try:
        wait_until(lambda: healthy(running.url) or process.poll() is not None, timeout=90, interval=0.25)
        assert process.poll() is None, f"okno run exited:\n{running.output()}"
        # The demo's local 1C is connected once its startup finished.
        wait_until(lambda: "Local 1C" in running.output(), timeout=30, message="the demo startup")
        yield running
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
