"""A cap on requests that hold a sync database session across threadpool hops.

A route with a sync `Session` runs its dependencies and its body as separate hops through the threadpool
(40 threads), and the session keeps its pooled connection (and on SQLite the write lock) between them. If
more such requests than there are connections hold one, every thread ends up waiting for a connection that
belongs to a request waiting for a thread: a deadlock (issue 13). The gate admits at most `slots` of them,
fewer than the pool holds, and its waiters wait on the event loop, not in a thread.

It is shared by every event loop of the process (tests run several, each uvicorn one), so it is built on a
thread lock and loop futures instead of `asyncio.Semaphore`, which belongs to one loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.common.outages import DatabaseBusy


class RequestGate:
    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a request gate needs at least one slot")
        self.slots = slots
        self._free = slots
        self._lock = threading.Lock()
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def in_use(self) -> int:
        with self._lock:
            return self.slots - self._free

    @asynccontextmanager
    async def slot(self, timeout: float | None = None) -> AsyncIterator[None]:
        """A slot for the block; past `timeout` seconds of waiting, DatabaseBusy (503 database_busy)."""
        try:
            async with asyncio.timeout(timeout):
                await self.acquire()
        except TimeoutError:
            raise DatabaseBusy(f"no request slot free within {timeout} s ({self.slots} in use)") from None
        try:
            yield
        finally:
            self.release()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return
            granted: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, granted))
        try:
            await granted
        except asyncio.CancelledError:
            with self._lock:
                waiting = (loop, granted) in self._waiters
                if waiting:
                    self._waiters.remove((loop, granted))
            # Handed over before the cancellation: pass the slot on. If the future itself was cancelled, the
            # pending `_grant` (same loop, runs later) finds it done and passes the slot on instead.
            if not waiting and granted.done() and not granted.cancelled():
                self.release()
            raise

    def release(self) -> None:
        with self._lock:
            while self._waiters:
                loop, granted = self._waiters.popleft()
                if loop.is_closed():
                    continue
                # The slot now belongs to that waiter; if it is cancelled meanwhile, exactly one of its cancel
                # path and `_grant` hands the slot on, so none is lost or doubled.
                loop.call_soon_threadsafe(_grant, self, granted)
                return
            self._free += 1


def _grant(gate: RequestGate, granted: asyncio.Future[None]) -> None:
    if granted.done():  # cancelled before the grant arrived
        gate.release()
    else:
        granted.set_result(None)
