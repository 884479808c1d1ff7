"""Broker construction and the one way to put a contracts message on a queue."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from redis import Redis

from contracts.routing import routes_for
from services.common.messaging.dead_workers import DeadWorkerRecovery, RecoveringRedisBroker

DEFAULT_NAMESPACE = "okno"
DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 20.0
DEFAULT_REQUEUE_SECONDS = 5.0


def make_broker(
    redis_url: str | None,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    heartbeat_timeout_seconds: float = DEFAULT_HEARTBEAT_TIMEOUT_SECONDS,
    requeue_seconds: float = DEFAULT_REQUEUE_SECONDS,
) -> dramatiq.Broker:
    """Redis when configured; otherwise an in-process broker (the outbox keeps what it has not delivered)."""
    if redis_url:
        client = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        redis_broker = RecoveringRedisBroker(
            client=client, namespace=namespace, heartbeat_timeout_ms=int(heartbeat_timeout_seconds * 1000)
        )
        redis_broker.add_middleware(DeadWorkerRecovery(requeue_seconds))
        return redis_broker
    broker = StubBroker()
    broker.emit_after("process_boot")
    return broker


def broker_reachable(broker: dramatiq.Broker) -> tuple[bool, str]:
    if isinstance(broker, RedisBroker):
        try:
            broker.client.ping()
        except Exception as error:  # any failure to reach Redis means "not ready"
            return False, f"redis unreachable: {error.__class__.__name__}"
    return True, "ok"


def publish_envelope(broker: dramatiq.Broker, message_type: str, envelope_json: str) -> None:
    """Enqueue one serialized envelope to every queue its type is routed to."""
    for route in routes_for(message_type):
        broker.enqueue(
            dramatiq.Message(
                queue_name=route.queue.value,
                actor_name=route.actor_name,
                args=(envelope_json,),
                kwargs={},
                options={},
            )
        )


def declare_queues(broker: dramatiq.Broker, queues: list[str]) -> None:
    for queue in queues:
        broker.declare_queue(queue)
