"""The database session of one HTTP request, sync or async, as route dependencies open them.

Sync (`gated_session`): the ORM service functions (`Session`) keep working unchanged in sync routes. The
request takes a slot of the runtime's request gate before its session may touch a connection, and commits
in a thread of its own (not one of the threadpool's, which may all be busy), so neither the hops between its
dependencies nor its commit can deadlock against the pool (request_gate.py).

Async (`async_session`): hot paths run on the event loop end to end over the loop's async engine; waiting
for a connection there holds no thread, so no gate is needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import POOL_TIMEOUT_SECONDS
from services.common.db_async import async_transaction
from services.common.runtime import Runtime


@asynccontextmanager
async def gated_session(runtime: Runtime[Any]) -> AsyncIterator[Session]:
    """A sync session committed when the request's work is done (before the response is sent); any
    exception rolls it back."""
    async with runtime.request_gate.slot(timeout=POOL_TIMEOUT_SECONDS):
        session = Session(runtime.engine, expire_on_commit=False)
        try:
            yield session
        except BaseException:
            await _in_own_thread(_finish, session, False)
            raise
        await _in_own_thread(_finish, session, True)


@asynccontextmanager
async def async_session(runtime: Runtime[Any]) -> AsyncIterator[AsyncSession]:
    async with async_transaction(runtime.async_engines.current()) as session:
        yield session


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
    finally:
        session.close()  # rolls back whatever was not committed and returns the connection


async def _in_own_thread(finish: Any, session: Session, commit: bool) -> None:
    # A private limiter: the threadpool's 40 tokens may all be held by requests waiting for this very
    # connection. Shielded, so a client hanging up cannot leave the connection checked out.
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(finish, session, commit, limiter=anyio.CapacityLimiter(1))
