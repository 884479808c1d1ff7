"""`okno worker SERVICE` as a real subprocess: started, stopped, killed with SIGKILL, its log read back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support import wait_until


class WorkerProcess:
    def __init__(self, service: str, env: dict[str, str], log_dir: Path, *, threads: int = 2) -> None:
        self.service = service
        self.threads = threads
        # Only what the test sets: an engineer's own OKNO_* variables must not leak into the worker.
        # The key for sealed columns is the deployment's, as the run's (tests/conftest.py).
        kept = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_") or k == "OKNO_SECRET_KEYS"}
        self.env = kept | env
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0

    @property
    def stdout_path(self) -> Path:
        return self.log_dir / f"worker-{self.service}-{self.started}.out"

    @property
    def stderr_path(self) -> Path:
        return self.log_dir / f"worker-{self.service}-{self.started}.err"

    def start(self) -> None:
        self.started += 1
        okno = Path(sys.executable).with_name("okno")
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                [str(okno), "worker", self.service, "--threads", str(self.threads)],
                env=self.env,
                stdout=out,
                stderr=err,
            )
        wait_until(self._ready, timeout=60, interval=0.2, message=f"okno worker {self.service} to start")
        assert self.process.poll() is None, self.log()

    def _ready(self) -> bool:
        assert self.process is not None
        return self.process.poll() is not None or "consuming queue" in self.stdout_path.read_text()

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, fetched messages stay in the broker's ack set of a dead worker."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        """Everything every start of this worker wrote to stderr (its log)."""
        return "".join(
            (self.log_dir / f"worker-{self.service}-{n}.err").read_text(errors="replace")
            for n in range(1, self.started + 1)
        )
