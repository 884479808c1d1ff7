"""`okno run` memory as orders arrive: RSS of the embedded process (SQLite, in-process broker and workers).

Starts `okno run` (with its demo tenant) in a scratch directory, posts `--orders` signed order webhooks
through the real HTTP path (integrations → message → order_confirm intake), waits until every order is
stored, and prints the process's RSS at start (the baseline) and after each slice, with the ratio and the
slope since the previous slice (MB per 1 000 orders: flat is what makes the 100 000 point believable).
Target (issue 13): under 200 MB after 100 000 orders.

    .venv/bin/python -m bench.rss                     # 5 000 orders: the slope
    .venv/bin/python -m bench.rss --orders 100000     # the target (long: intake speed on SQLite)
    .venv/bin/python -m bench.rss --breakdown         # also what the memory is made of (bench/_rss_probe.py)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._http import Connection, build_request
from bench._measure import load, rss_mb
from bench._rss_probe import PROBE_FILE
from okno.demo import DEMO_TENANT, DemoSettings, sample_order, signed_request
from tests.support import free_port

TARGET_MB = 200  # issue 13: RSS of `okno run` after 100 000 orders


def stored_orders(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
            return int(connection.execute("SELECT count(*) FROM orders").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


async def post_orders(port: int, first: int, count: int, clients: int) -> int:
    secret, path = DemoSettings().webhook_secret, f"/integrations/v1/webhooks/{DEMO_TENANT.slug}/orders"
    numbers, accepted = iter(range(first, first + count)), [0]

    async def client() -> None:
        connection = Connection(port)
        for n in numbers:
            body, headers = signed_request(
                sample_order(f"RSS-{n}", phone=f"+7 916 {n // 10_000:03d}-{n % 10_000:04d}"), secret
            )
            status, _ = await connection.request(build_request("POST", path, port, headers, raw_body=body.encode()))
            accepted[0] += status == 202
        connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return accepted[0]


def start(directory: Path, port: int, *, breakdown: bool) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OKNO_LOG_LEVEL": "WARNING", PROBE_FILE: str(directory / "probe.json")}
    env.pop("OKNO_REDIS_URL", None)
    env.pop("OKNO_DATABASE_URL", None)
    command = [str(Path(sys.executable).with_name("okno"))]
    if breakdown:  # the same command under the probe's signal handler
        command = [sys.executable, "-m", "bench._rss_probe"]
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    process = subprocess.Popen(
        [*command, "run", "--port", str(port)], cwd=directory, env=env, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            asyncio.run(Connection(port).request(build_request("GET", "/readyz", port)))
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("okno run did not start")


def probe(process: subprocess.Popen[bytes], directory: Path) -> str:
    """The probe's breakdown of the process's memory (bench/_rss_probe.py), as one line."""
    found = directory / "probe.json"
    found.unlink(missing_ok=True)
    process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 120
    while not found.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.2)  # written in one call, but let it finish
    parts = json.loads(found.read_text())
    return "  ".join(
        f"{name} {value:.1f}" if isinstance(value, float) else f"{name} {value}" for name, value in parts.items()
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--slices", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8, help="concurrent shops posting")
    parser.add_argument("--breakdown", action="store_true", help="print what the memory is made of per slice")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        process = start(directory, port, breakdown=args.breakdown)
        try:
            baseline = rss_mb(process.pid)
            print(f"okno run started: RSS {baseline:.0f} MB  ({load()})")
            if args.breakdown:
                print("  " + probe(process, directory))
            per_slice, sent, rss = args.orders // args.slices, 0, baseline
            for _ in range(args.slices):
                previous = rss
                started = time.perf_counter()
                asyncio.run(post_orders(port, sent, per_slice, args.clients))
                sent += per_slice
                while stored_orders(directory / "okno.db") < sent and time.perf_counter() - started < 3600:
                    time.sleep(1)
                rate = per_slice / (time.perf_counter() - started)
                rss = rss_mb(process.pid)
                slope = (rss - previous) * 1000 / per_slice
                print(
                    f"{sent} orders stored ({rate:.0f}/s): RSS {rss:.0f} MB, {rss / baseline:.2f} x start, "
                    f"{slope:+.1f} MB per 1 000 orders since the last slice  ({load()})"
                )
                if args.breakdown:
                    print("  " + probe(process, directory))
        finally:
            process.terminate()
            process.wait(timeout=60)
    verdict = "met" if rss < TARGET_MB else "NOT met"
    print(f"target: under {TARGET_MB} MB after 100 000 orders; after {sent}: {rss:.0f} MB ({verdict} at this scale)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
