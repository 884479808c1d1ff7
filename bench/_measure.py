"""What every benchmark prints beside its figures: the machine's load, per-process CPU from /proc, latency
percentiles, and the server's SQL statement and transaction counters (bench/_serve.py)."""

from __future__ import annotations

import contextlib
import os
import statistics
import time
import urllib.request
import uuid
from dataclasses import dataclass

import psycopg

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def tree_cpu_seconds(pid: int) -> float:
    """`cpu_seconds` of a process and every live descendant (uvicorn's worker processes under `--workers`)."""
    total = 0.0
    for process in _tree(pid):
        with contextlib.suppress(FileNotFoundError):  # ended since it was listed
            total += cpu_seconds(process)
    return total


def _tree(pid: int) -> list[int]:
    found = [pid]
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for thread in threads:
        try:
            with open(f"/proc/{pid}/task/{thread}/children") as children:
                listed = children.read().split()
        except FileNotFoundError:
            continue
        for child in listed:
            found.extend(_tree(int(child)))
    return found


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} cores"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


def latency_line(seconds: list[float]) -> str:
    if not seconds:
        return "no samples"
    ms = [s * 1000 for s in seconds]
    return (
        f"p50 {statistics.median(ms):.1f} ms  p99 {percentile(ms, 0.99):.1f} ms  max {max(ms):.1f} ms"
        f"  ({len(ms)} samples)"
    )


@dataclass(frozen=True)
class Counters:
    statements: int
    transactions: int


def server_counters(port: int) -> Counters:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/counters", timeout=10) as answer:
        values = __import__("json").loads(answer.read())
    return Counters(int(values["statements"]), int(values["transactions"]))


def wait_for_server(port: int, service: str) -> None:
    """Until bench._serve on `port` answers its counters (30 s at most)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            server_counters(port)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{service} did not start")


def fresh_postgres(admin_url: str, prefix: str) -> str:
    """The URL of a new, empty database named `prefix` + a random suffix."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def count_driver_statements(port: int, on: bool) -> None:
    """Switch bench._serve's asyncpg query logger on or off (it costs the server CPU on every statement)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_bench/driver-statements", data=b"on" if on else b"off", method="PUT"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


def committed(url: str) -> int:
    """Transactions PostgreSQL counted for the database so far (every client, whatever its driver)."""
    time.sleep(1.5)  # backends report their counts at most once a second
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    return int(row[0])
