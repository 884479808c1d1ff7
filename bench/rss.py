"""`okno run` memory as orders arrive: RSS of the embedded process (SQLite, in-process broker and workers).

Starts `okno run` (with its demo tenant) in a scratch directory, posts `--orders` signed order webhooks
through the real HTTP path (integrations → message → order_confirm intake), waits until every order is
stored, and prints the process's RSS at start (the baseline) and after each slice, with the ratio.
Target (issue 13): under 200 MB after 100 000 orders.

    .venv/bin/python -m bench.rss                     # 5 000 orders: the slope
    .venv/bin/python -m bench.rss --orders 100000     # the target (long: intake speed on SQLite)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._http import Connection, build_request
from bench._measure import load, rss_mb
from okno.demo import DEMO_TENANT, DemoSettings, sample_order, signed_request
from tests.support import free_port


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


def start(directory: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OKNO_LOG_LEVEL": "WARNING"}
    env.pop("OKNO_REDIS_URL", None)
    env.pop("OKNO_DATABASE_URL", None)
    okno = str(Path(sys.executable).with_name("okno"))
    process = subprocess.Popen([okno, "run", "--port", str(port)], cwd=directory, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            asyncio.run(Connection(port).request(build_request("GET", "/readyz", port)))
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("okno run did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--slices", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8, help="concurrent shops posting")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        process = start(directory, port)
        try:
            baseline = rss_mb(process.pid)
            print(f"okno run started: RSS {baseline:.0f} MB  ({load()})")
            per_slice, sent = args.orders // args.slices, 0
            for _ in range(args.slices):
                started = time.perf_counter()
                asyncio.run(post_orders(port, sent, per_slice, args.clients))
                sent += per_slice
                while stored_orders(directory / "okno.db") < sent and time.perf_counter() - started < 3600:
                    time.sleep(1)
                rate = per_slice / (time.perf_counter() - started)
                rss = rss_mb(process.pid)
                print(
                    f"{sent} orders stored ({rate:.0f}/s): RSS {rss:.0f} MB, {rss / baseline:.2f} x start  ({load()})"
                )
        finally:
            process.terminate()
            process.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
