"""In-process delivery's backlog: committed outbox rows wait in the database, not in the broker's memory.

The embedded broker (`okno run`) keeps every published message in memory until a worker thread takes it.
Webhooks are accepted faster than the worker applies them, so a burst of 20 000 orders left ~15 000 messages
in memory at once (~2.7 KB each: RSS 162 → 213 MB, and the allocator kept most of it after they drained,
bench/RESULTS.md). Their rows are in the outbox anyway, unpublished until handled (inprocess.py): so only
`LIMIT` messages wait in the broker's queues; the other rows' ids wait here, and go out as the worker frees
room. A restart loses nothing: the rows are still unpublished, and the sweep publishes them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from queue import Queue

import dramatiq

LIMIT = 1_000  # messages waiting in the broker's memory (not counting those a worker holds, or their retries)
_BATCH = 500  # rows read back per release: one SELECT


def waiting_in_broker(broker: dramatiq.Broker) -> int:
    """Messages enqueued and not yet taken by a worker (the in-memory broker's ready queues; delayed retries
    are not counted: a message waiting for its retry must not hold back the rest)."""
    queues: dict[str, Queue[bytes]] = getattr(broker, "queues", {})
    delayed: set[str] = getattr(broker, "delay_queues", set())
    return sum(queue.qsize() for name, queue in queues.items() if name not in delayed)


class Backlog:
    """Row ids committed but not yet published, oldest first; one publisher at a time."""

    def __init__(self, broker: dramatiq.Broker, limit: int = LIMIT) -> None:
        self.broker = broker
        self.limit = limit
        self.rows: deque[int] = deque()
        self.publishing = threading.Lock()  # held by whoever publishes, so the room it read stays true

    def room(self) -> int:
        return max(0, self.limit - waiting_in_broker(self.broker))

    def add(self, ids: Iterable[int], publish: Callable[[list[int]], int]) -> int:
        self.rows.extend(ids)
        return self.release(publish)

    def release(self, publish: Callable[[list[int]], int]) -> int:
        """Publish waiting rows while the broker has room; returns how many this call published. Rows go out
        in batches of at least half the limit (or all that wait), so a busy worker costs one read per batch."""
        published = 0
        while self._due():
            if not self.publishing.acquire(blocking=False):
                return published  # the holder checks again once it lets go, and sees these rows
            try:
                while self._due():
                    count = min(self.room(), len(self.rows), _BATCH)
                    published += publish([self.rows.popleft() for _ in range(count)])
            finally:
                self.publishing.release()
        return published

    def _due(self) -> bool:
        return bool(self.rows) and self.room() >= min(len(self.rows), self.limit // 2)
