"""A PostgreSQL cluster of the test's own (initdb + pg_ctl on a free port in a temporary directory), so a test
can stop and start its database without touching the shared server the rest of the suite uses."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import psycopg

from tests.support import free_port

# PostgreSQL refuses to run as root; the packaged clusters' owner runs it when the tests do.
_SERVICE_USER = "postgres"


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(Path(path).parts[4]))
    assert found, "PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin) are installed by .ci/run"
    return Path(found[-1]).parent


class PrivatePostgres:
    def __init__(self, database: str = "okno") -> None:
        self.port = free_port()
        self.database = database
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="okno-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, _SERVICE_USER, _SERVICE_USER)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Fast shutdown: open connections are terminated, as when the server is restarted or fails over."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def create_database(self) -> None:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        command = [str(self.bin / program), *args]
        options: dict[str, Any] = {"user": _SERVICE_USER, "group": _SERVICE_USER} if self._as_root else {}
        result = subprocess.run(command, check=False, capture_output=True, text=True, cwd=self.root, **options)
        if check and result.returncode != 0:
            raise AssertionError(f"{program} failed ({result.returncode}): {result.stderr or result.stdout}")
