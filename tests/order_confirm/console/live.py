"""Helpers for live-stream tests: streams read by a raw asyncio client in a thread of its own (closing one is
immediate, unlike a blocked httpx read), and order_confirm's production app in a process of its own (another
API replica), with the SQL statement counters of `bench._serve`."""

from __future__ import annotations

import asyncio
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench._http import EventStream, build_request
from tests.support import free_port, wait_until

# (name, data, time.monotonic() when it arrived); ("closed", {}, t) when the server ended the stream.
Event = tuple[str, dict[str, Any], float]
ROOT = Path(__file__).resolve().parents[3]


class Streams:
    """Open `GET /api/v1/events` streams against one server; each one's events arrive on its own queue."""

    def __init__(self, base_url: str) -> None:
        self.port = urlsplit(base_url).port or 80
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        # The loop holds its tasks weakly: without these references an idle reader would be garbage-collected.
        self.readers: list[Future[None]] = []

    def open(self, headers: dict[str, str]) -> queue.Queue[Event]:
        events: queue.Queue[Event] = queue.Queue()
        request = build_request("GET", "/api/v1/events", self.port, headers)
        self.readers.append(asyncio.run_coroutine_threadsafe(self._read(request, events), self.loop))
        return events

    async def _read(self, request: bytes, events: queue.Queue[Event]) -> None:
        stream = EventStream(self.port)
        try:
            status, body = await stream.open(request)
            if status != 200:
                events.put(("refused", {"status": status, "body": body.decode()}, time.monotonic()))
                return
            while (event := await stream.next_event()) is not None:
                events.put((event[0], event[1], time.monotonic()))
            events.put(("closed", {}, time.monotonic()))
        finally:
            stream.close()

    def close(self) -> None:
        """Hang up every stream (the sockets are closed before this returns) and stop the thread."""
        asyncio.run_coroutine_threadsafe(self._hang_up(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()

    async def _hang_up(self) -> None:
        readers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.sleep(0.05)  # the transports close on the next turns of the loop


@contextmanager
def streams_to(base_url: str) -> Iterator[Streams]:
    streams = Streams(base_url)
    try:
        yield streams
    finally:
        streams.close()


def next_event(events: queue.Queue[Event], *, timeout: float = 10, skip: tuple[str, ...] = ()) -> Event:
    deadline = time.monotonic() + timeout
    while True:
        try:
            event = events.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"timed out after {timeout}s waiting for a stream event") from None
        if event[0] not in skip:
            return event


def quiet(events: queue.Queue[Event], seconds: float) -> list[Event]:
    """Whatever arrives within `seconds` (a test expecting silence asserts this is empty)."""
    deadline = time.monotonic() + seconds
    heard: list[Event] = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            heard.append(events.get(timeout=left))
        except queue.Empty:
            break
    return heard


class Replica:
    """order_confirm's production app (`bench._serve`) in a process of its own, configured from the environment
    as in production."""

    def __init__(self, base_url: str, process: subprocess.Popen[bytes]) -> None:
        self.base_url = base_url
        self.process = process

    def statements(self) -> int:
        """SQL statements this process has sent so far (every engine, sync and async)."""
        return int(httpx.get(f"{self.base_url}/_bench/counters", timeout=10).json()["statements"])

    def settled_statements(self, *, still_for: float = 0.8, timeout: float = 15) -> int:
        """The statement count once it has stopped moving for `still_for` seconds."""
        deadline = time.monotonic() + timeout
        last = self.statements()
        while time.monotonic() < deadline:
            time.sleep(still_for)
            now = self.statements()
            if now == last:
                return now
            last = now
        raise AssertionError("the replica kept sending SQL")


@contextmanager
def api_replica(database_url: str, redis_url: str, namespace: str, **settings: str) -> Iterator[Replica]:
    port = free_port()
    env = {
        **os.environ,
        "OKNO_DATABASE_URL": database_url,
        "OKNO_REDIS_URL": redis_url,
        "OKNO_BROKER_NAMESPACE": namespace,
        "OKNO_LOG_LEVEL": "WARNING",
        **{f"OKNO_ORDER_CONFIRM_{name.upper()}": value for name, value in settings.items()},
    }
    command = [sys.executable, "-m", "bench._serve", "order_confirm", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    replica = Replica(f"http://127.0.0.1:{port}", process)
    try:
        wait_until(lambda: _answers(replica), timeout=60, message="the API replica to start")
        yield replica
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # still draining a stream a failed test left open
            process.kill()
            process.wait(timeout=10)


def _answers(replica: Replica) -> bool:
    if replica.process.poll() is not None:
        raise AssertionError(f"the API replica exited with {replica.process.returncode}")
    try:
        return httpx.get(f"{replica.base_url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def replica_with_streams(
    database_url: str, redis_url: str, namespace: str, **settings: str
) -> Iterator[tuple[Replica, Streams]]:
    with (
        api_replica(database_url, redis_url, namespace, **settings) as replica,
        streams_to(replica.base_url) as streams,
    ):
        yield replica, streams
