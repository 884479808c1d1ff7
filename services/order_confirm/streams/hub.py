"""One subscriber per API process (per event loop) fans wake-ups out to the open streams they concern.

Each open stream holds a `Subscription`: the operator it serves, and for a supervisor or admin the floor it
shows (tenants and team). A wake-up sets the subscription's flags (`queue`, `floor`, `call`: the operator's
own current call) and its asyncio event;
the stream reads the database only then. Whenever the subscriber (re)subscribes, every stream is woken,
since wake-ups published while it was away are lost.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog

from services.common.wakeups import WakeupChannel
from services.order_confirm.streams.wakeup import Wakeup, decode

log = structlog.get_logger(__name__)
LISTENER_RESTART_SECONDS = 1.0
T = TypeVar("T")


@dataclass(frozen=True)
class SharedRead:
    """A read that other streams of the same login may take instead of reading themselves."""

    number: int  # increasing: a stream never takes a read older than one it already has
    heard: int  # notes the hub had heard when it began
    began: float  # time.monotonic()
    result: asyncio.Future[Any]


class Subscription:
    """What one open stream wants to hear about, and what it has been told since it last read."""

    def __init__(self, operator_id: int, *, watches_floor: bool) -> None:
        self.operator_id = operator_id
        self.watches_floor = watches_floor
        # Unknown until the stream's first read: until then any floor change may concern it.
        self.tenants: frozenset[int] | None = None
        self.team: frozenset[int] | None = None
        self.queue = False
        self.floor = False
        self.call = False
        self.event = asyncio.Event()

    def wake(self, *, queue: bool, floor: bool, call: bool = False) -> None:
        self.queue = self.queue or queue
        self.floor = self.floor or (floor and self.watches_floor)
        self.call = self.call or call
        if self.queue or self.floor or self.call:
            self.event.set()

    def in_tenant(self, tenant: int | None) -> bool:
        return tenant is None or self.tenants is None or tenant in self.tenants

    def concerned_floor(self, wakeup: Wakeup) -> bool:
        if wakeup.floor and self.in_tenant(wakeup.tenant):
            return True
        return self.team is None or not self.team.isdisjoint(wakeup.operators)

    async def wait(self, seconds: float) -> None:
        """Until woken or `seconds` have passed; costs a timer, nothing else."""
        if seconds > 0 and not self.event.is_set():
            try:
                async with asyncio.timeout(seconds):
                    await self.event.wait()
            except TimeoutError:
                pass
        self.event.clear()


class StreamHub:
    def __init__(self, channel: WakeupChannel, *, reads_at_once: int) -> None:
        self.channel = channel
        self.by_operator: dict[int, set[Subscription]] = {}
        self.floors: set[Subscription] = set()
        # Read by /metrics from another thread: plain counters, never the sets themselves.
        self.open_streams = 0
        self.delivered = 0
        self.resyncs = 0
        self.reads = 0
        self.shared_reads = 0
        # Notes heard (and resyncs): a read that began after the last of them saw every change announced so far.
        self.heard = 0
        self._shared: dict[int, dict[str, SharedRead]] = {}
        self._numbers = itertools.count(1)
        self.last_number = 0
        # Streams read on the async engine; they never take more than this share of its pool from the hot paths.
        self._reads = asyncio.Semaphore(reads_at_once)
        self._listener: asyncio.Task[None] | None = None

    def subscribe(self, operator_id: int, *, watches_floor: bool) -> Subscription:
        if self._listener is None:
            # A context of its own: the listener outlives the request that happened to start it (and its log ids).
            self._listener = asyncio.get_running_loop().create_task(self._listen(), context=contextvars.Context())
        subscription = Subscription(operator_id, watches_floor=watches_floor)
        self.open_streams += 1
        self.by_operator.setdefault(operator_id, set()).add(subscription)
        if watches_floor:
            self.floors.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        mine = self.by_operator.get(subscription.operator_id)
        if mine is not None and subscription in mine:
            self.open_streams -= 1
            mine.discard(subscription)
            if not mine:
                del self.by_operator[subscription.operator_id]
                self._shared.pop(subscription.operator_id, None)
        self.floors.discard(subscription)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        async with self._reads:
            self.reads += 1
            yield

    async def shared(
        self, operator_id: int, login: str, after: int, fresh_for: float, fetch: Callable[[], Awaitable[T]]
    ) -> tuple[int, T]:
        """`fetch()`'s result, or that of a read of the same login (an operator's tabs) that began after every
        note heard so far, less than `fresh_for` seconds ago, and is newer than read number `after`: one read
        serves every tab a note woke. Returns the read's number with it."""
        found = self._shared.get(operator_id, {}).get(login)
        began = time.monotonic()
        if (
            found is not None
            and found.number > after
            and found.heard == self.heard
            and found.began >= began - fresh_for
        ):
            try:
                value: T = await asyncio.shield(found.result)
            except asyncio.CancelledError:
                if not found.result.cancelled():
                    raise  # this stream itself was cancelled
            else:
                self.shared_reads += 1
                return found.number, value
        self.last_number = number = next(self._numbers)
        read = SharedRead(number, self.heard, began, asyncio.get_running_loop().create_future())
        read.result.add_done_callback(_retrieved)
        self._shared.setdefault(operator_id, {})[login] = read
        try:
            value = await fetch()
        except BaseException as error:
            if self._shared.get(operator_id, {}).get(login) is read:
                del self._shared[operator_id][login]
            if isinstance(error, asyncio.CancelledError):
                read.result.cancel()  # those who joined read for themselves
            else:
                read.result.set_exception(error)
            raise
        read.result.set_result(value)
        return number, value

    def deliver(self, note: str) -> None:
        self.delivered += 1
        self.heard += 1
        for wakeup in decode(note):
            self._apply(wakeup)

    def _apply(self, wakeup: Wakeup) -> None:
        if wakeup.everyone:
            for subscriptions in self.by_operator.values():
                for subscription in subscriptions:
                    if subscription.in_tenant(wakeup.tenant):
                        subscription.wake(queue=True, floor=True)
            return
        for operator_id in wakeup.operators:
            for subscription in self.by_operator.get(operator_id, ()):
                subscription.wake(queue=True, floor=False)
        for operator_id in wakeup.calls:
            for subscription in self.by_operator.get(operator_id, ()):
                subscription.wake(queue=False, floor=False, call=True)
        for subscription in self.floors:
            if subscription.concerned_floor(wakeup):
                subscription.wake(queue=False, floor=True)

    def resync(self) -> None:
        self.resyncs += 1
        self.heard += 1
        for subscriptions in self.by_operator.values():
            for subscription in subscriptions:
                subscription.wake(queue=True, floor=True, call=True)

    async def _listen(self) -> None:
        while True:
            try:
                await self.channel.listen(self.deliver, self.resync)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the listener must outlive any bug in one note; streams keep polling
                log.exception("streams.listener_failed", error=repr(error))
            await asyncio.sleep(LISTENER_RESTART_SECONDS)


def _retrieved(result: asyncio.Future[Any]) -> None:
    if not result.cancelled():
        result.exception()  # whoever joined has it; nobody may have: no "never retrieved" warning


_hubs: dict[tuple[asyncio.AbstractEventLoop, int], StreamHub] = {}
_hubs_lock = threading.Lock()


def hub_for(channel: WakeupChannel, *, reads_at_once: int) -> StreamHub:
    """This event loop's hub for `channel` (production: one loop, one hub, one Redis subscription per process)."""
    loop = asyncio.get_running_loop()
    key = (loop, id(channel))
    with _hubs_lock:
        hub = _hubs.get(key)
        if hub is None or hub.channel is not channel:
            hub = _hubs[key] = StreamHub(channel, reads_at_once=reads_at_once)
            keeper = loop.create_task(_forget_when_loop_ends(key))
            _keepers.add(keeper)
            keeper.add_done_callback(_keepers.discard)
        return hub


_keepers: set[asyncio.Task[None]] = set()


def hubs() -> list[StreamHub]:
    """Every hub of this process (one per event loop that serves streams)."""
    with _hubs_lock:
        return list(_hubs.values())


async def _forget_when_loop_ends(key: tuple[asyncio.AbstractEventLoop, int]) -> None:
    try:
        await key[0].create_future()  # never resolves: the loop's shutdown cancels this task
    finally:
        with _hubs_lock:
            hub = _hubs.pop(key, None)
        if hub is not None and hub._listener is not None:
            hub._listener.cancel()
