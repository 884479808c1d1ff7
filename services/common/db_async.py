"""Async engines for the hot paths: asyncpg on PostgreSQL, aiosqlite on SQLite (the embedded mode).

An asyncpg connection belongs to the event loop that opened it, so there is one async engine per running
loop: production runs one loop per process (uvicorn), tests run several (each live server, each TestClient).
An engine is disposed when its loop shuts down (asyncio cancels every remaining task then, and the engine's
keeper task closes the pool in its `finally`), so no connection outlives its loop.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool, PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import (
    CONNECT_TIMEOUT_SECONDS,
    DEFAULT_POOL_RECYCLE_SECONDS,
    HIDE_PARAMETERS,
    POOL_TIMEOUT_SECONDS,
    listen_sqlite,
)
from services.common.outages import watch_engine

DEFAULT_ASYNC_POOL_SIZE = 10


def async_url(engine: Engine) -> str:
    """The async driver's URL for the database a sync engine points at."""
    url = engine.url
    driver = "postgresql+asyncpg" if url.get_backend_name() == "postgresql" else "sqlite+aiosqlite"
    return url.set(drivername=driver).render_as_string(hide_password=False)


def make_async_engine(
    url: str, *, pool_size: int = DEFAULT_ASYNC_POOL_SIZE, pool_recycle: int = DEFAULT_POOL_RECYCLE_SECONDS
) -> AsyncEngine:
    if make_url(url).get_backend_name() == "sqlite":
        # A pooled aiosqlite connection keeps a (non-daemon) thread alive; SQLite opens a file in microseconds.
        engine = create_async_engine(
            url, poolclass=NullPool, connect_args={"timeout": 30}, hide_parameters=HIDE_PARAMETERS
        )
        listen_sqlite(engine.sync_engine)
        watch_engine(engine.sync_engine)
        return engine
    # Waiting for an async connection holds no thread, so the pool needs no reserve beyond its size.
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_recycle=pool_recycle,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        hide_parameters=HIDE_PARAMETERS,
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
    )
    watch_engine(engine.sync_engine)
    return engine


class AsyncEngines:
    """The async engine of each running event loop, all on one database."""

    def __init__(self, url: str, *, pool_size: int = DEFAULT_ASYNC_POOL_SIZE) -> None:
        self.url = url
        self.pool_size = pool_size
        self._by_loop: dict[asyncio.AbstractEventLoop, AsyncEngine] = {}
        self._keepers: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()

    def current(self) -> AsyncEngine:
        loop = asyncio.get_running_loop()
        with self._lock:
            engine = self._by_loop.get(loop)
            if engine is None:
                engine = self._by_loop[loop] = make_async_engine(self.url, pool_size=self.pool_size)
                keeper = loop.create_task(self._dispose_when_loop_ends(loop, engine))
                self._keepers.add(keeper)
                keeper.add_done_callback(self._keepers.discard)
        return engine

    async def _dispose_when_loop_ends(self, loop: asyncio.AbstractEventLoop, engine: AsyncEngine) -> None:
        try:
            await loop.create_future()  # never resolves: wait for the loop's shutdown to cancel this task
        finally:
            with self._lock:
                self._by_loop.pop(loop, None)
            await engine.dispose()


@asynccontextmanager
async def async_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """The async twin of `db.transaction`: commits on success, rolls back on any exception."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


@asynccontextmanager
async def pooled_driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """`driver_connection` for a path that needs nothing but the driver: the asyncpg connection taken from the
    engine's pool itself, without the `AsyncConnection` and `Connection` around it, whose construction and
    shielded close task cost twice the checkout (issue 13: ~100 µs of CPU per request, ~35 µs this way). The
    same errors as `driver_connection`, and the connection goes back to the pool as `close()` would return it."""
    import asyncpg  # PostgreSQL only: the embedded mode (SQLite) never loads the driver

    async with turn_at(engine):
        pooled = await greenlet_spawn(_checkout, engine.sync_engine)
        try:
            yield pooled.driver_connection
        except asyncpg.PostgresError as error:
            raise DBAPIError("(hot path statement)", None, error, hide_parameters=True) from error
        except (asyncpg.InterfaceError, asyncpg.InternalClientError, OSError) as error:  # the connection is gone
            await greenlet_spawn(pooled.invalidate, error)
            raise DBAPIError(
                "(hot path statement)", None, error, hide_parameters=True, connection_invalidated=True
            ) from error
        finally:
            # In a greenlet, as the pool may need to await the driver (closing a connection it found dead).
            await greenlet_spawn(pooled.close)


# One line per engine (so per event loop) in front of its pool: SQLAlchemy's async pool is not first come, first
# served under load (a newcomer takes a connection just given back while the waiter woken for it is on its way,
# and that one goes to the back), so at 500 clients some claims waited 5-7 s while the median was 0.6-1 s.
# asyncio.Semaphore lets nobody past its waiters (bench/RESULTS.md, h-claims).
_turns: weakref.WeakKeyDictionary[AsyncEngine, asyncio.Semaphore] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def turn_at(engine: AsyncEngine) -> AsyncIterator[None]:
    """This request's turn at one of the pool's connections, in arrival order; a wait as long as the pool's own
    timeout ends as the pool's would (503 database_busy)."""
    turn = _turns.get(engine)
    if turn is None:
        turn = _turns[engine] = asyncio.Semaphore(engine.sync_engine.pool.size())  # type: ignore[attr-defined]
    if turn.locked():  # others wait: join the line (with nobody waiting, acquire() takes a place at once)
        try:
            async with asyncio.timeout(POOL_TIMEOUT_SECONDS):
                await turn.acquire()
        except TimeoutError:
            raise PoolTimeout(f"no connection free within {POOL_TIMEOUT_SECONDS} s (hot path)") from None
    else:
        await turn.acquire()
    try:
        yield
    finally:
        turn.release()


def _checkout(engine: Engine) -> PoolProxiedConnection:
    """A pooled connection, or the driver's error wrapped as `engine.connect()` wraps it (SQLSTATE kept, so an
    outage still answers 503: outages.database_fault)."""
    try:
        return engine.raw_connection()
    except engine.dialect.loaded_dbapi.Error as error:
        Connection._handle_dbapi_exception_noconnection(error, engine.dialect, engine)


@asynccontextmanager
async def driver_connection(connection: AsyncConnection) -> AsyncIterator[Any]:
    """The asyncpg connection under a pooled SQLAlchemy one, for a hot path's few prepared statements:
    SQLAlchemy's per-statement work (compiling, result metadata) costs more CPU than asyncpg's whole round
    trip. Each statement commits on its own unless the caller starts a transaction (`driver.transaction()`).
    asyncpg's errors come out as SQLAlchemy's `DBAPIError`, so an outage is a 503 like anywhere else
    (outages.py), and a connection found dead is dropped from the pool."""
    import asyncpg  # PostgreSQL only: the embedded mode (SQLite) never loads the driver

    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None, "a checked-out connection has its driver connection"
    try:
        yield driver
    except asyncpg.PostgresError as error:
        raise DBAPIError("(hot path statement)", None, error, hide_parameters=True) from error
    except (asyncpg.InterfaceError, OSError) as error:  # the connection is gone
        await connection.invalidate()
        raise DBAPIError(
            "(hot path statement)", None, error, hide_parameters=True, connection_invalidated=True
        ) from error
