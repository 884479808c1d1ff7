"""Broker construction and the one way to put a contracts message on a queue."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis
from dramatiq.encoder import JSONEncoder
from dramatiq.middleware import Middleware

from contracts.routing import Route, routes_for
from services.common.random_ids import random_uuid_strings

if TYPE_CHECKING:
    from dramatiq.brokers.redis import RedisBroker

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
        # Redis's client (~6 MB) loads only here: the embedded mode's in-process broker never needs it.
        from redis import Redis

        from services.common.messaging.dead_workers import DeadWorkerRecovery, RecoveringRedisBroker

        client = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        redis_broker = RecoveringRedisBroker(
            client=client, namespace=namespace, heartbeat_timeout_ms=int(heartbeat_timeout_seconds * 1000)
        )
        redis_broker.add_middleware(DeadWorkerRecovery(requeue_seconds))
        return redis_broker
    broker = StubBroker()
    broker.emit_after("process_boot")
    return broker


def is_redis_broker(broker: dramatiq.Broker) -> TypeGuard[RedisBroker]:
    """Whether `broker` talks to Redis, without importing Redis's client where no Redis broker was built."""
    module = sys.modules.get("dramatiq.brokers.redis")
    return module is not None and isinstance(broker, module.RedisBroker)


def broker_reachable(broker: dramatiq.Broker) -> tuple[bool, str]:
    if is_redis_broker(broker):
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


def publish_envelopes(broker: dramatiq.Broker, messages: Sequence[tuple[str, str]]) -> None:
    """Enqueue many serialized envelopes (message type, JSON); on Redis in one pipeline (one round trip).

    The pipeline sends dramatiq's own enqueue script with the arguments `RedisBroker.enqueue` gives it, and
    runs the broker's enqueue hooks around each message, so a worker cannot tell the two ways apart. Other
    brokers (the in-process one) enqueue one by one. All or nothing is not promised: a failure part-way
    leaves some enqueued, and the caller keeps every row unpublished (the sweep sends it again; consumers are
    idempotent)."""
    routes: dict[str, list[Route]] = {}
    routed = [
        (route, body)
        for message_type, body in messages
        for route in routes.get(message_type) or routes.setdefault(message_type, routes_for(message_type))
    ]
    if not is_redis_broker(broker):
        for route, body in routed:
            broker.enqueue(
                dramatiq.Message(
                    queue_name=route.queue.value, actor_name=route.actor_name, args=(body,), kwargs={}, options={}
                )
            )
        return
    _pipelined_enqueue(broker, routed)


def _pipelined_enqueue(broker: RedisBroker, routed: list[tuple[Route, str]]) -> None:
    from redis.exceptions import NoScriptError  # a Redis broker exists, so redis is loaded already

    # Built as `RedisBroker.enqueue` builds them (its copy with a `redis_message_id`), in one step and with
    # the ids from one random read. Where no middleware hooks enqueues (dramatiq's default ones do not) and
    # messages are JSON, each is written straight as the bytes `Message.encode` gives, without the Message.
    ids = random_uuid_strings(2 * len(routed))
    hooked = _has_enqueue_hooks(broker)
    by_hand = not hooked and type(dramatiq.get_encoder()) is JSONEncoder
    now, unpack_size = current_millis(), broker._max_unpack_size()  # type: ignore[no-untyped-call]
    sent, calls = [], []
    for index, (route, body) in enumerate(routed):
        message_id, redis_message_id = ids[2 * index], ids[2 * index + 1]
        if by_hand:
            encoded = encoded_message(route, body, message_id, redis_message_id, now)
        else:
            message: dramatiq.Message[Any] = dramatiq.Message(
                queue_name=route.queue.value,
                actor_name=route.actor_name,
                args=(body,),
                kwargs={},
                options={"redis_message_id": redis_message_id},
                message_id=message_id,
                message_timestamp=now,
            )
            if hooked:
                broker.emit_before("enqueue", message, None)
            encoded, redis_message_id = message.encode(), message.options["redis_message_id"]
            sent.append(message)
        calls.append(
            [
                "enqueue",
                now,
                route.queue.value,
                broker.broker_id,
                broker.heartbeat_timeout,
                broker.dead_message_ttl,
                0,  # never the maintenance pass from a publisher (dead_workers.py runs it on purpose)
                unpack_size,
                redis_message_id,
                encoded,
            ]
        )
    dispatch: Any = broker.scripts["dispatch"]  # redis-py's Script; its type hints lack `sha` and `script`
    try:
        _dispatch_all(broker, dispatch.sha, calls)
    except NoScriptError:  # a new or restarted Redis: load the script once, then send the batch again
        broker.client.script_load(dispatch.script)
        _dispatch_all(broker, dispatch.sha, calls)
    if hooked:
        for message in sent:
            broker.emit_after("enqueue", message, None)


def encoded_message(route: Route, body: str, message_id: str, redis_message_id: str, timestamp: int) -> bytes:
    """Exactly `Message(...).encode()` under dramatiq's JSON encoder for a message of one envelope (the same
    keys in the same order, the same separators; tests compare the bytes), at a fraction of its CPU."""
    return (
        f"{_message_head(route)}{json.dumps(body)}],"
        f'"kwargs":{{}},"options":{{"redis_message_id":{json.dumps(redis_message_id)}}},'
        f'"message_id":{json.dumps(message_id)},"message_timestamp":{int(timestamp)}}}'
    ).encode()


@functools.lru_cache(maxsize=256)
def _message_head(route: Route) -> str:
    return f'{{"queue_name":{json.dumps(route.queue.value)},"actor_name":{json.dumps(route.actor_name)},"args":['


def _has_enqueue_hooks(broker: dramatiq.Broker) -> bool:
    """Whether any middleware does something before or after an enqueue (the base class's hooks do nothing)."""
    return any(
        type(middleware).before_enqueue is not Middleware.before_enqueue
        or type(middleware).after_enqueue is not Middleware.after_enqueue
        for middleware in broker.middleware
    )


def _dispatch_all(broker: RedisBroker, sha: str, calls: list[list[Any]]) -> None:
    """One round trip. EVALSHA itself, not the script object: a pipeline that holds script objects asks Redis
    whether they exist (SCRIPT EXISTS, a round trip of its own) on every execute. NOSCRIPT is all or nothing
    in practice (a script flush between two commands of one pipeline would send some twice: consumers are
    idempotent).

    Packed here rather than by a redis-py pipeline, whose pure-Python packer encoded each of a call's 14
    arguments one by one (most of an ERP pull's relay CPU): all but a call's last two arguments are the same
    for a queue, so they are packed once per batch (the same bytes: tests/common/test_batch_publish.py). Sent
    and read as the pipeline does: every reply read before the first error is raised, retried under the
    client's retry policy with the connection dropped."""
    pool = broker.client.connection_pool
    connection = pool.get_connection()
    try:
        packed = packed_evalshas(connection.encoder, sha, broker.namespace, calls)
        connection.retry.call_with_retry(
            lambda: _send_reading_replies(connection, packed, len(calls)), lambda _: connection.disconnect()
        )
    finally:
        pool.release(connection)


def packed_evalshas(encoder: Any, sha: str, key: str, calls: list[list[Any]]) -> bytes:
    """`EVALSHA sha 1 key *call` for each call, as RESP (what redis-py's `pack_commands` gives, in one piece)."""
    heads: dict[tuple[Any, ...], bytes] = {}
    parts: list[bytes] = []
    for call in calls:
        common = tuple(call[:-2])
        head = heads.get(common)
        if head is None:
            head = heads[common] = f"*{len(call) + 4}\r\n".encode() + b"".join(
                _bulk(encoder.encode(arg)) for arg in ("EVALSHA", sha, 1, key, *common)
            )
        parts += (head, _bulk(encoder.encode(call[-2])), _bulk(encoder.encode(call[-1])))
    return b"".join(parts)


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(value), value)


def _send_reading_replies(connection: Any, packed: bytes, replies: int) -> None:
    from redis.exceptions import ResponseError

    connection.send_packed_command([packed])
    first_error: ResponseError | None = None
    for _ in range(replies):  # all of them, so the pooled connection is never left out of step
        try:
            connection.read_response()
        except ResponseError as error:
            first_error = first_error or error
    if first_error is not None:
        raise first_error


def declare_queues(broker: dramatiq.Broker, queues: list[str]) -> None:
    for queue in queues:
        broker.declare_queue(queue)
