"""The campaign's own production-mode installation: a private PostgreSQL cluster, a private Redis (AOF on,
as in compose), a local 1C, and `okno serve/worker/scheduler` processes — each one killable and restartable.

Nothing here touches the shared PostgreSQL server or the shared Redis: both are stopped on purpose.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
from redis import Redis

OKNO = str(Path(sys.executable).with_name("okno"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


class PrivatePostgres:
    """`initdb` + `pg_ctl` in a directory of its own, on a port of its own; trust authentication."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.data = root / "pg"
        # PostgreSQL refuses to run as root: the cluster then belongs to the `postgres` system user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/okno"

    def create(self) -> None:
        self.data.mkdir(parents=True)
        if self.as_user:
            shutil.chown(self.data.parent, "postgres")
            shutil.chown(self.data, "postgres")
        self._run([_pg_binary("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        self.start()
        with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE okno")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c max_connections=300"
        log = self.data.parent / "pg.log"
        self._run([_pg_binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start"])

    def crash(self) -> None:
        """`-m immediate`: every backend ends at once, no checkpoint, recovery on the next start."""
        self._run([_pg_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.crash()

    def _run(self, command: list[str]) -> None:
        subprocess.run([*self.as_user, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _pg_binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if found is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL's server binaries")
    return str(found)


class PrivateRedis:
    """redis-server with its append-only file, as production runs it; killed and restarted on its port."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.dir = root / "redis"
        self.dir.mkdir(parents=True)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found")
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir)]
        command += ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for(lambda: bool(Redis.from_url(self.url, socket_timeout=1).ping()), timeout=30, what="redis")

    def crash(self, *, lose_data: bool = False) -> None:
        """SIGKILL (up to a second of writes may be lost, as with appendfsync everysec); `lose_data` also
        removes the append-only file, as a failover to an empty replica would."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None
        if lose_data:
            shutil.rmtree(self.dir)
            self.dir.mkdir()


class LocalOneC:
    """`python -m okno.sandbox.onec_trade` with N pending orders; frozen (SIGSTOP) to play an ERP that hangs."""

    def __init__(self, orders: int) -> None:
        self.orders = orders
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/trade/odata/standard.odata/"

    def start(self) -> None:
        module = [sys.executable, "-m", "okno.sandbox.onec_trade", "--orders", str(self.orders)]
        self.process = subprocess.Popen([*module, "--port", str(self.port)], stdout=subprocess.DEVNULL)
        url = f"{self.base_url}Catalog_Партнеры"
        wait_for(
            lambda: httpx.get(url, params={"$top": "1"}, auth=("okno", "okno"), timeout=2).status_code == 200,
            timeout=120,
            what="the local 1C",
        )

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)


class OknoProcess:
    """One `okno …` production process (settings from the environment, as in compose)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.logs = logs
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.logs / f"{self.name}-{self.starts}.log").open("wb")
        self.process = subprocess.Popen([OKNO, *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
