"""`db_async.pooled_driver`: a hot path's asyncpg connection taken straight from the pool, with the errors, the
return to the pool and the outage answers of `engine.connect()` + `driver_connection` (issue 13)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.db import normalize_url
from services.common.db_async import make_async_engine, pooled_driver
from services.common.outages import UNAVAILABLE, database_fault
from tests.support import free_port, run_coroutine


def _run(url: str, story: Callable[[AsyncEngine], Awaitable[None]]) -> None:
    async def run() -> None:
        engine = make_async_engine(normalize_url(url).replace("+psycopg", "+asyncpg"), pool_size=1)
        try:
            await story(engine)
        finally:
            await engine.dispose()

    run_coroutine(run())


def _checked_out(engine: AsyncEngine) -> int:
    return int(engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


def test_a_failed_statement_is_sqlalchemys_error_and_the_connection_goes_back_to_the_pool(postgres_url: str) -> None:
    async def story(engine: AsyncEngine) -> None:
        async with pooled_driver(engine) as driver:
            assert await driver.fetchval("SELECT 1") == 1
        assert _checked_out(engine) == 0
        with pytest.raises(DBAPIError) as raised:
            async with pooled_driver(engine) as driver:
                await driver.fetchval("SELECT 1 / 0")
        assert isinstance(raised.value.orig, asyncpg.DivisionByZeroError)
        assert database_fault(raised.value) is None  # a bug, not an outage: 500
        assert _checked_out(engine) == 0
        async with pooled_driver(engine) as driver:  # the pool's one connection is usable again
            assert await driver.fetchval("SELECT 2") == 2

    _run(postgres_url, story)


def test_a_connection_the_server_dropped_is_an_outage_and_leaves_the_pool(postgres_url: str) -> None:
    async def story(engine: AsyncEngine) -> None:
        async with pooled_driver(engine) as driver:
            first = await driver.fetchval("SELECT pg_backend_pid()")
        killer = await asyncpg.connect(normalize_url(postgres_url).replace("+psycopg", ""))
        try:
            await killer.execute("SELECT pg_terminate_backend($1, 10000)", first)  # returns once it is gone
        finally:
            await killer.close()
        with pytest.raises(DBAPIError) as raised:
            async with pooled_driver(engine) as driver:
                await driver.fetchval("SELECT 1")
        assert database_fault(raised.value) is UNAVAILABLE
        assert _checked_out(engine) == 0
        async with pooled_driver(engine) as driver:  # a new connection replaced the dead one
            assert await driver.fetchval("SELECT pg_backend_pid()") != first

    _run(postgres_url, story)


def test_a_refused_connection_is_an_outage_and_a_refused_login_is_wrapped_as_connect_wraps_it(
    postgres_url: str,
) -> None:
    refused = f"postgresql://postgres@127.0.0.1:{free_port()}/test"

    async def unreachable(engine: AsyncEngine) -> None:
        with pytest.raises(Exception) as raised:
            async with pooled_driver(engine):
                pass
        assert database_fault(raised.value) is UNAVAILABLE

    _run(refused, unreachable)

    missing = postgres_url.rsplit("/", 1)[0] + "/okno_no_such_database"

    async def no_database(engine: AsyncEngine) -> None:
        with pytest.raises(DBAPIError) as by_connect:
            async with engine.connect():
                pass
        with pytest.raises(DBAPIError) as by_pool:
            async with pooled_driver(engine):
                pass
        assert type(by_pool.value) is type(by_connect.value)
        assert type(by_pool.value.orig) is type(by_connect.value.orig)
        assert _checked_out(engine) == 0

    _run(missing, no_database)
