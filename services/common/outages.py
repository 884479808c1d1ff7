"""The database as the API sees it when it fails: a fault to answer (503 with Retry-After), and a state to log.

`database_fault` tells an outage (`database_unavailable`: the server is down, restarting or unreachable)
from congestion (`database_busy`: no connection free in time, a lock or a deadlock victim) and from a bug
(None: a 500 like any other). Each engine reports its connections: `watch_engine` turns a driver's own
connect failure (asyncpg raises a bare ConnectionRefusedError) into `DatabaseUnreachable`, and a connection
that opens again after an outage into the "back" line. `DatabaseHealth` logs one line when the database
goes away and one when it is back, with how long it was gone and how many requests were refused meanwhile,
instead of a traceback per request. Nothing here retries or waits: pools reconnect on their own, since
SQLAlchemy discards a pool's connections once one of them is found dead.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = structlog.get_logger(__name__)

BUSY_LOG_INTERVAL_SECONDS = 60.0


@dataclass(frozen=True)
class DatabaseFault:
    code: str
    title: str
    detail: str
    retry_after: int


UNAVAILABLE = DatabaseFault(
    "database_unavailable",
    "The database is unavailable",
    "The service cannot reach its database right now; nothing was changed. Try again after Retry-After seconds.",
    5,
)
BUSY = DatabaseFault(
    "database_busy",
    "The database is busy",
    "No database connection was free in time; nothing was changed. Try again after Retry-After seconds.",
    2,
)

# SQLSTATE classes and codes (PostgreSQL appendix A): the server went away, or it is congested.
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "58", "F0")
_BUSY_STATES = ("40", "53", "55P03", "57014")


class DatabaseUnreachable(Exception):
    """A new connection could not be opened (refused, timed out, name not resolved, server starting up)."""


class DatabaseBusy(Exception):
    """A request waited longer than the pool timeout for its turn at a connection."""


def database_fault(error: BaseException) -> DatabaseFault | None:
    if isinstance(error, BaseExceptionGroup):
        faults = [database_fault(inner) for inner in error.exceptions]
        return next((fault for fault in faults if fault is not None), None)
    if isinstance(error, DatabaseUnreachable):
        return UNAVAILABLE
    if isinstance(error, PoolTimeout | DatabaseBusy):
        return BUSY
    if not isinstance(error, DBAPIError):
        return None
    driver_error = error.orig
    if isinstance(driver_error, sqlite3.OperationalError):
        return _sqlite_fault(str(driver_error))
    state = getattr(driver_error, "sqlstate", None) or getattr(driver_error, "pgcode", None)
    if isinstance(state, str):
        if state.startswith(_UNAVAILABLE_STATES):
            return UNAVAILABLE
        return BUSY if state.startswith(_BUSY_STATES) else None
    # No server message: the driver lost or never had its connection (psycopg's "connection failed").
    if error.connection_invalidated or type(error).__name__ in ("OperationalError", "InterfaceError"):
        return UNAVAILABLE
    return None


def _sqlite_fault(message: str) -> DatabaseFault | None:
    if "locked" in message or "busy" in message:
        return BUSY
    if "unable to open" in message or "disk I/O" in message:
        return UNAVAILABLE
    return None  # "no such table" and the like are bugs, not outages


class DatabaseHealth:
    """What this process last knew about one database, shared by its sync and async engines."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._refused = 0
        self._busy_logged_at = float("-inf")
        self._busy_unlogged = 0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def report(self, fault: DatabaseFault, error: BaseException) -> None:
        """A request (or a readiness probe) met `fault`; log it if it changes what we knew."""
        if fault is BUSY:
            self._report_busy(error)
            return
        with self._lock:
            self._refused += 1
            if self._down_since is not None:
                return
            self._down_since = time.monotonic()
        log.warning("database.unavailable", database=self.name, error=describe(error))

    def _report_busy(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._busy_unlogged += 1
            if now - self._busy_logged_at < BUSY_LOG_INTERVAL_SECONDS:
                return
            self._busy_logged_at, count, self._busy_unlogged = now, self._busy_unlogged, 0
        log.warning("database.busy", database=self.name, requests=count, error=describe(error))

    def connected(self) -> None:
        """A new connection opened: if the database was down, it is back."""
        if self._down_since is None:  # the common case, without the lock
            return
        with self._lock:
            if self._down_since is None:
                return
            seconds, refused = time.monotonic() - self._down_since, self._refused
            self._down_since, self._refused = None, 0
        log.info("database.available", database=self.name, down_seconds=round(seconds, 1), refused_requests=refused)


def describe(error: BaseException) -> str:
    """The error's class and the first line of its message: enough to tell refused from timed out."""
    cause: BaseException = error
    if isinstance(error, DatabaseUnreachable) and error.__cause__ is not None:
        cause = error.__cause__
    elif isinstance(error, DBAPIError) and isinstance(error.orig, BaseException):
        cause = error.orig
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line[:200]}"


_health: dict[str, DatabaseHealth] = {}
_health_lock = threading.Lock()


def database_health(url: str | URL) -> DatabaseHealth:
    """The health record of the database `url` names, whichever driver the URL uses."""
    parsed = make_url(url)
    name = parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=True)
    with _health_lock:
        return _health.setdefault(name, DatabaseHealth(name))


def watch_engine(engine: Engine) -> None:
    """Report this engine's new connections to its database's health record (the sync engine of an async
    engine, too: SQLAlchemy's connection events fire there)."""
    health = database_health(engine.url)

    @event.listens_for(engine, "do_connect")
    def connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except dialect.loaded_dbapi.Error:
            raise  # the driver's own error: SQLAlchemy wraps it, `database_fault` reads its SQLSTATE
        except Exception as error:
            raise DatabaseUnreachable(describe(error)) from error

    @event.listens_for(engine, "connect")
    def connected(_connection: Any, _record: Any) -> None:
        health.connected()
