"""Helpers the tests share: a controllable clock, a live HTTP server, waiting for asynchronous effects."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from sqlalchemy import Engine, text

T = TypeVar("T")


class FrozenClock:
    """A clock the test moves by hand; pass it as `clock=` to runtimes."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, value: datetime) -> None:
        self.now = value


def sqlite_copy(template: Path, folder: Path) -> str:
    """The URL of a copy, in `folder`, of the run's migrated SQLite file (the `sqlite_template` fixture): a
    database of one's own without migrating it (each migration step commits its DDL: seconds on a busy disk)."""
    path = folder / "okno.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(app: Any, *, port: int | None = None, http: Any = "auto") -> Iterator[str]:
    """Serve an ASGI app on a real socket in a thread; yields its base URL."""
    port = port or free_port()
    # As `okno serve` does: uvicorn believes no forwarding header; the apps' OKNO_TRUSTED_PROXIES rule decides.
    # A browser's live stream stays open until the page goes: shutdown gives open connections 1 s, not forever.
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        proxy_headers=False,
        timeout_graceful_shutdown=1,
        http=http,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_until(check: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.05, message: str = "") -> T:
    """Poll `check` until it returns something truthy; fail with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or check}")
        time.sleep(interval)


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` in a thread of its own: Playwright's sync API (browser tests) leaves an event loop running
    in the test worker's main thread, where `asyncio.run` refuses to start."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(asyncio.run(coroutine))
        except BaseException as error:  # handed to the caller's thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


def waiting_on_a_lock(engine: Engine) -> bool:
    """Some other session of this PostgreSQL database waits for a lock now: a lock-order test's sign that
    the transaction it started is blocked where the test meant it to be (no sleeps, no timing)."""
    with engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    return bool(waiting)
