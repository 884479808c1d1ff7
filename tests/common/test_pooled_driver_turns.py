"""Hot paths get the async pool's connections first come, first served (issue 13: the closed loops' tails).

The pool's own queue let a request that arrived while a connection was being handed to a waiting one take it,
and sent the waiting one to the back of the line; under 500 clients some claims waited 5-7 s. `pooled_driver`
puts every request in one line per engine (db_async.turn_at); these tests look at that line only, so no
connection is opened."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from services.common import db_async
from services.common.db_async import make_async_engine
from services.common.outages import BUSY, database_fault
from tests.support import run_coroutine

NOWHERE = "postgresql+asyncpg://postgres@127.0.0.1:9/none"


async def _order_served() -> list[str]:
    engine = make_async_engine(NOWHERE, pool_size=1)
    served: list[str] = []

    async def request(name: str) -> None:
        async with db_async.turn_at(engine):
            served.append(name)

    holder = db_async.turn_at(engine)
    await holder.__aenter__()  # a request holds the only connection
    waiting = asyncio.create_task(request("waiting"))
    await asyncio.sleep(0)  # one pass of the loop: the second request is now in line
    newcomer = asyncio.create_task(request("newcomer"))  # arrives before the connection is given back
    await asyncio.sleep(0)
    assert served == []  # both wait while the only connection is held
    await holder.__aexit__(None, None, None)
    await asyncio.gather(waiting, newcomer)
    await engine.dispose()
    return served


def test_a_request_arriving_as_a_connection_is_given_back_does_not_jump_the_line() -> None:
    assert run_coroutine(_order_served()) == ["waiting", "newcomer"]


async def _wait_past_the_pool_timeout() -> BaseException:
    engine = make_async_engine(NOWHERE, pool_size=1)
    holder = db_async.turn_at(engine)
    await holder.__aenter__()
    try:
        with pytest.raises(PoolTimeout) as raised:
            async with db_async.turn_at(engine):
                pass
    finally:
        await holder.__aexit__(None, None, None)
    async with db_async.turn_at(engine):  # the line still works: the timed-out request left no place taken
        pass
    await engine.dispose()
    return raised.value


def test_a_request_that_waits_longer_than_the_pool_timeout_is_answered_database_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db_async, "POOL_TIMEOUT_SECONDS", 0.05)
    assert database_fault(run_coroutine(_wait_past_the_pool_timeout())) is BUSY
