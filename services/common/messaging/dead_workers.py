"""A dead worker's messages go back to their queue within a bounded time, not when chance says so.

dramatiq's Redis broker keeps each fetched message in the fetching worker's ack set until it is acked. A
worker killed with SIGKILL never acks: its messages stay there until a *maintenance pass* finds the worker's
heartbeat older than the heartbeat timeout and pushes them back. dramatiq runs that pass on a random 0.1 % of
its commands, so a killed worker's messages waited up to ~18 minutes (issue 12). Here every worker process:

- writes its heartbeat every `timeout / 4` from a thread of its own (dramatiq refreshes it only while
  fetching, so a worker busy with slow messages would otherwise look dead and have them run twice);
- runs the maintenance pass on purpose every `requeue_seconds` for the queues it consumes, and dramatiq's
  random pass is switched off (`maintenance_chance=0`).

A message of a dead worker is back on its queue at most `heartbeat_timeout + requeue_seconds` after the
worker's last heartbeat (the defaults: 20 s + 5 s). A process judges others only after it has itself been
connected for a whole heartbeat timeout: after a Redis outage every live worker has written a fresh
heartbeat by then, so none is mistaken for dead (which would only run its messages twice; consumers are
idempotent).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import dramatiq
import structlog
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import Middleware

log = structlog.get_logger(__name__)


class RecoveringRedisBroker(RedisBroker):
    """dramatiq's Redis broker whose maintenance pass runs when `requeue_dead_workers` asks, never by chance."""

    def __init__(self, *, heartbeat_timeout_ms: int, **options: Any) -> None:
        super().__init__(maintenance_chance=0, heartbeat_timeout=heartbeat_timeout_ms, **options)  # type: ignore[no-untyped-call]
        self._maintaining = threading.local()

    def _should_do_maintenance(self, command: str) -> int:
        return 1 if getattr(self._maintaining, "on", False) else 0

    @property
    def heartbeats_key(self) -> str:
        return f"{self.namespace}:__heartbeats__"

    def beat(self) -> None:
        """This process is alive (the same record dramatiq writes on every command it sends)."""
        self.client.zadd(self.heartbeats_key, {self.broker_id: int(time.time() * 1000)})

    def requeue_dead_workers(self, queues: set[str]) -> int:
        """Put the unacked messages of every worker whose heartbeat is older than the timeout back on `queues`
        (and their delay queues); returns how many there were."""
        dead = self._dead_workers()
        if not dead:
            return 0
        names = sorted(queues | {f"{queue}.DQ" for queue in queues})
        stranded = self._unacked(dead, names)
        # The pass also forgets dead workers that hold nothing any more (API processes that went quiet).
        self._maintaining.on = True
        try:
            for name in names:
                self.do_qsize(name)  # a read-only command: it carries the maintenance pass, nothing else
        finally:
            self._maintaining.on = False
        return stranded

    def _dead_workers(self) -> list[str]:
        deadline = int(time.time() * 1000) - self.heartbeat_timeout
        return [
            worker.decode() if isinstance(worker, bytes) else str(worker)
            for worker in self.client.zrangebyscore(self.heartbeats_key, 0, deadline)
        ]

    def _unacked(self, workers: list[str], queue_names: list[str]) -> int:
        pipeline = self.client.pipeline(transaction=False)
        for worker in workers:
            for name in queue_names:
                pipeline.scard(f"{self.namespace}:__acks__.{worker}.{name}")
        return sum(int(count) for count in pipeline.execute())


class DeadWorkerRecovery(Middleware):
    """Starts, with each dramatiq worker on the broker, the thread that beats and requeues."""

    def __init__(self, requeue_seconds: float) -> None:
        self.requeue_seconds = requeue_seconds
        self._threads: dict[int, tuple[threading.Event, threading.Thread]] = {}

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        assert isinstance(broker, RecoveringRedisBroker)
        stop = threading.Event()
        thread = threading.Thread(
            target=_keep_recovering,
            args=(broker, _consumed_queues(broker, worker), self.requeue_seconds, stop),
            name="okno-dead-worker-recovery",
            daemon=True,
        )
        self._threads[id(worker)] = (stop, thread)
        thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        stop, thread = self._threads.pop(id(worker), (None, None))
        if stop is not None and thread is not None:
            stop.set()
            thread.join(timeout=5)


def _consumed_queues(broker: dramatiq.Broker, worker: dramatiq.Worker) -> set[str]:
    declared = {queue for queue in broker.get_declared_queues() if not queue.endswith(".DQ")}
    return declared & set(worker.consumer_whitelist) if worker.consumer_whitelist else declared


def _keep_recovering(broker: RecoveringRedisBroker, queues: set[str], every: float, stop: threading.Event) -> None:
    timeout = broker.heartbeat_timeout / 1000
    beat_every = min(every, timeout / 4)
    connected_since: float | None = None
    next_requeue = 0.0
    while not stop.is_set():
        try:
            broker.beat()
            now = time.monotonic()
            connected_since = connected_since or now
            if now - connected_since >= timeout and now >= next_requeue:
                next_requeue = now + every
                requeued = broker.requeue_dead_workers(queues)
                if requeued:
                    log.warning("broker.dead_worker_messages_requeued", count=requeued, queues=sorted(queues))
        except Exception as error:  # Redis unreachable: judge nobody until connected for a whole timeout again
            connected_since = None
            log.warning("broker.recovery_unavailable", error=error.__class__.__name__)
        stop.wait(beat_every)
