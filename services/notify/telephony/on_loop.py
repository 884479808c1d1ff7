"""Inbound calls' webhooks served on the event loop, not in the threadpool (issue 14: the decision's p99).

The queue loop's decisions run on the loop (inbound/hot.py); a webhook served in a thread meanwhile (an offer's
status, a `<Dial action>`, the caller's status) competed with the loop for the GIL, and the decisions waited
for it (bench.inbound: the same pure rules took p99 8 ms on the loop, 0.5 ms in a thread). So those webhooks
run their ORM unit of work on the loop as well (`AsyncSession.run_sync`: the same sync code, each statement
awaited on asyncpg), taking a pooled connection in the same line as the hot path (db_async.turn_at). SQLite
keeps the threadpool: its one writer's lock is waited for by blocking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from services.common.db import is_sqlite, transaction
from services.common.db_async import async_transaction, turn_at
from services.common.runtime import Runtime
from services.notify.settings import NotifySettings

T = TypeVar("T")


async def in_transaction(runtime: Runtime[NotifySettings], work: Callable[..., T], *args: Any) -> T:
    """`work(session, *args)` in one transaction (committed, or rolled back on any exception): on the event loop
    on PostgreSQL, in the threadpool on SQLite."""
    if is_sqlite(runtime.engine):
        return await run_in_threadpool(_in_sync_transaction, runtime, work, *args)
    engine = runtime.async_engines.current()
    async with turn_at(engine), async_transaction(engine) as session:  # in line with the hot path's requests
        return await session.run_sync(work, *args)


def _in_sync_transaction(runtime: Runtime[NotifySettings], work: Callable[..., T], *args: Any) -> T:
    with transaction(runtime.engine) as session:
        return work(session, *args)
