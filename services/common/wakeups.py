"""Wake-up channels: small "something changed" notes from the processes that commit changes to the processes
that hold open live streams (Redis pub/sub in production, an in-process fan-out in the embedded mode).

A wake-up carries no data, only whom a change concerns (ids); a woken stream reads the truth from the
database. Delivery is best effort by design: pub/sub keeps nothing for a subscriber that is not connected,
so a listener's owner re-reads everything whenever the listener (re)subscribes (`resync`), and its streams
keep a slow safety poll for anything no one announced.

Publishing never blocks the committing code: `publish` hands the note to a background thread, which sends
whatever has accumulated in one pipeline (a burst of commits costs one round trip).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import structlog

if TYPE_CHECKING:
    from redis import Redis
    from redis.asyncio import Redis as AsyncRedis
    from redis.asyncio.client import PubSub

log = structlog.get_logger(__name__)

Deliver = Callable[[str], None]
Resync = Callable[[], None]
# Idle publisher threads end after this long and start again with the next note (tests build many runtimes).
PUBLISHER_IDLE_SECONDS = 30.0
# A subscriber that heard nothing for this long pings Redis, so a silently dead connection is noticed.
LISTENER_PING_SECONDS = 15.0
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class WakeupChannel(Protocol):
    def publish(self, note: str) -> None:
        """Send a note to every listener of every process; returns at once, from any thread."""

    async def listen(self, deliver: Deliver, resync: Resync) -> None:
        """Call `deliver(note)` on this event loop for every note until cancelled; `resync()` whenever the
        listener (re)subscribes, since notes sent while it was not subscribed are lost."""


class RedisWakeups:
    """Redis pub/sub on one channel: a publisher thread per process, one subscriber per listening loop."""

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        self._notes: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._publisher: threading.Thread | None = None
        self._lock = threading.Lock()

    def publish(self, note: str) -> None:
        self._notes.put(note)
        with self._lock:
            if self._publisher is None:
                self._publisher = threading.Thread(target=self._publish_loop, name="wakeup-publisher", daemon=True)
                self._publisher.start()

    def _publish_loop(self) -> None:
        # Redis's client loads with the first note, not with the module: the embedded mode never needs it.
        from redis import Redis

        client = Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        try:
            while (batch := self._next_batch()) is not None:
                self._send(client, batch)
        finally:
            client.close()

    def _next_batch(self) -> list[str] | None:
        """Everything waiting, duplicates dropped; None (and the thread ends) after an idle spell."""
        try:
            first = self._notes.get(timeout=PUBLISHER_IDLE_SECONDS)
        except queue.Empty:
            with self._lock:
                if self._notes.empty():
                    self._publisher = None
                    return None
            first = self._notes.get()
        batch = {first: None}
        while True:
            try:
                batch[self._notes.get_nowait()] = None
            except queue.Empty:
                return list(batch)

    def _send(self, client: Redis[bytes], batch: list[str]) -> None:
        from redis.exceptions import RedisError

        try:
            pipeline = client.pipeline(transaction=False)
            for note in batch:
                pipeline.publish(self.channel, note)
            pipeline.execute()
        except (RedisError, OSError) as error:
            # Listeners resync when they reconnect and streams keep their safety poll: a lost note only
            # delays an update, it never loses data.
            log.warning("wakeups.publish_failed", channel=self.channel, dropped=len(batch), error=repr(error))

    async def listen(self, deliver: Deliver, resync: Resync) -> None:
        from redis.asyncio import Redis as AsyncRedis
        from redis.exceptions import RedisError

        attempt = 0
        while True:
            client = AsyncRedis.from_url(self.url, socket_connect_timeout=2, socket_keepalive=True)
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                attempt = 0
                await self._receive(pubsub, deliver, resync)
            except (RedisError, OSError) as error:
                log.warning("wakeups.listener_disconnected", channel=self.channel, error=repr(error))
            finally:
                await _close_quietly(pubsub, client)
            await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
            attempt += 1

    async def _receive(self, pubsub: PubSub, deliver: Deliver, resync: Resync) -> None:
        while True:
            message = await pubsub.get_message(timeout=LISTENER_PING_SECONDS)
            if message is None:
                await pubsub.ping()
                continue
            kind = message.get("type")
            if kind == "subscribe":
                # Every (re)subscription, including redis-py's own reconnects, may follow a gap.
                log.info("wakeups.listening", channel=self.channel)
                resync()
            elif kind == "message":
                data = message["data"]
                deliver(data.decode() if isinstance(data, bytes) else str(data))


async def _close_quietly(pubsub: PubSub, client: AsyncRedis[bytes]) -> None:
    from redis.exceptions import RedisError

    try:
        await pubsub.aclose()  # type: ignore[attr-defined]  # (types-redis predates redis 5's aclose)
        await client.aclose()  # type: ignore[attr-defined]
    except (RedisError, OSError):
        pass  # the connection is gone already


class InProcessWakeups:
    """The embedded mode (`okno run`, no Redis): notes go straight to the listeners of this process."""

    def __init__(self) -> None:
        self._listeners: dict[int, tuple[asyncio.AbstractEventLoop, Deliver]] = {}
        self._lock = threading.Lock()
        self._next_id = 0

    def publish(self, note: str) -> None:
        with self._lock:
            listeners = list(self._listeners.values())
        for loop, deliver in listeners:
            with contextlib.suppress(RuntimeError):  # that loop has closed; its listener goes as it ends
                loop.call_soon_threadsafe(deliver, note)

    async def listen(self, deliver: Deliver, resync: Resync) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            self._next_id += 1
            key = self._next_id
            self._listeners[key] = (loop, deliver)
        try:
            resync()
            await loop.create_future()  # never resolves: listen until cancelled
        finally:
            with self._lock:
                self._listeners.pop(key, None)


def make_wakeup_channel(redis_url: str | None, channel: str) -> WakeupChannel:
    return RedisWakeups(redis_url, channel) if redis_url else InProcessWakeups()
