"""What every benchmark prints beside its figures: the machine's load, per-process CPU from /proc, latency
percentiles, and the server's SQL statement and transaction counters (bench/_serve.py)."""

from __future__ import annotations

import os
import statistics
import urllib.request
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


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
