"""Engines and sessions: one engine per service, SQLite for the embedded mode, PostgreSQL in production.

Connection budget (docs/DEVELOPING.md "Database access"): a process holds at most `pool_size` +
`overflow_of(pool_size)` connections on its sync engine and `async_pool_size` on its async engine (one per
event loop; production runs one loop per process). Connections open on demand and are recycled after
`pool_recycle` seconds instead of being pinged before every checkout (a round trip per transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from services.common.outages import watch_engine

DEFAULT_POOL_SIZE = 10
DEFAULT_POOL_RECYCLE_SECONDS = 1800
# An unreachable server (a dropped route, not a refusal) answers nothing: give up on it after this long, so
# a request ends in a 503 instead of waiting for the system's TCP timeout (outages.py). Not shorter: the
# timeout counts event-loop turns too, and a cold pool meeting a burst on a saturated machine once spent 5 s
# on ten healthy handshakes (all ten answered 503 database_unavailable, the database "back" 0.2 s later).
CONNECT_TIMEOUT_SECONDS = 10
# How long a request waits for its turn at a connection before it is answered 503 database_busy.
POOL_TIMEOUT_SECONDS = 30
# A failed statement's error (logged, and kept with a dead letter) would otherwise quote its parameters:
# customers' names, phones and addresses.
HIDE_PARAMETERS = True


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as in DESIGN.md) and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def overflow_of(pool_size: int) -> int:
    """Connections beyond `pool_size` for what is not a request holding a session (relay, sweeps, workers):
    requests are gated at `pool_size` (request_gate.py), so this reserve is what keeps them deadlock-free."""
    return max(2, pool_size // 2)


def make_engine(
    url: str, *, pool_size: int = DEFAULT_POOL_SIZE, pool_recycle: int = DEFAULT_POOL_RECYCLE_SECONDS
) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=HIDE_PARAMETERS
        )
        listen_sqlite(engine)
        watch_engine(engine)
        return engine
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=overflow_of(pool_size),
        pool_recycle=pool_recycle,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        hide_parameters=HIDE_PARAMETERS,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )
    watch_engine(engine)
    return engine


def listen_sqlite(engine: Engine) -> None:
    """WAL, foreign keys and BEGIN IMMEDIATE on every connection of a SQLite engine (sync or async)."""
    event.listen(engine, "connect", _sqlite_pragmas)
    # pysqlite's own transaction handling defers BEGIN until the first write, so a read-then-write
    # transaction could interleave with another writer; BEGIN IMMEDIATE serializes writers instead.
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" listener issue BEGIN IMMEDIATE
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any exception. The boundary commits, never the service."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
