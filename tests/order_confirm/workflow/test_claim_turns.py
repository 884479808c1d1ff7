"""Claims get the async pool's connections first come, first served (issue 13: the closed loop's tail).

The pool's own queue let a claim that arrived while a connection was being handed to a waiting one take it,
and sent the waiting one to the back of the line; under 500 clients some claims waited 5-7 s."""

from __future__ import annotations

import asyncio

from services.common.db_async import make_async_engine
from services.order_confirm.service import queue_claim
from tests.support import run_coroutine


async def _order_served() -> list[str]:
    # No connection is opened: the line in front of the pool is all this looks at.
    engine = make_async_engine("postgresql+asyncpg://postgres@127.0.0.1:9/none", pool_size=1)
    served: list[str] = []

    async def claim(name: str) -> None:
        async with queue_claim._turn(engine):
            served.append(name)

    first = queue_claim._turn(engine)
    await first.acquire()  # a claim holds the only connection
    waiting = asyncio.create_task(claim("waiting"))
    await asyncio.sleep(0)  # one pass of the loop: the second claim is now in line
    newcomer = asyncio.create_task(claim("newcomer"))  # arrives before the connection is given back
    first.release()
    await asyncio.gather(waiting, newcomer)
    await engine.dispose()
    return served


def test_a_claim_arriving_as_a_connection_is_given_back_does_not_jump_the_line() -> None:
    assert run_coroutine(_order_served()) == ["waiting", "newcomer"]
