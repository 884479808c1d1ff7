"""A batch of envelopes goes to Redis in one round trip: no SCRIPT EXISTS per batch, and a Redis that does not
hold dramatiq's script (new, restarted, flushed) still gets every message, the script loaded once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from redis import Redis

from contracts.routing import MessageType, routes_for
from services.common.messaging.broker import encoded_message, make_broker, packed_evalshas, publish_envelopes
from tests.common.private_redis import PrivateRedis

NAMESPACE = "okno-batch-publish"
SNAPSHOT = MessageType.ORDER_SNAPSHOT_RECEIVED.value


@pytest.fixture
def redis() -> Iterator[PrivateRedis]:
    private = PrivateRedis()  # SCRIPT FLUSH and CONFIG RESETSTAT are not for the shared Redis
    private.start()
    yield private
    private.stop()


def queued(client: Redis[bytes]) -> int:
    (route,) = routes_for(SNAPSHOT)
    return int(client.llen(f"{NAMESPACE}:{route.queue.value}"))


def script_commands(client: Redis[bytes]) -> int:
    stats = client.info("commandstats")
    return sum(int(stat["calls"]) for name, stat in stats.items() if name.startswith("cmdstat_script"))


def batch(n: int) -> list[tuple[str, str]]:
    return [(SNAPSHOT, f'{{"n": {n}, "k": {k}}}') for k in range(5)]


def test_batches_are_sent_without_asking_redis_for_the_script_each_time(redis: PrivateRedis) -> None:
    broker = make_broker(redis.url, namespace=NAMESPACE)
    assert isinstance(broker, RedisBroker)
    client = Redis.from_url(redis.url)
    publish_envelopes(broker, batch(0))  # this Redis has never seen the script: loaded here
    client.config_resetstat()

    for n in range(1, 4):
        publish_envelopes(broker, batch(n))

    assert queued(client) == 20
    assert script_commands(client) == 0


def test_a_redis_that_lost_the_script_still_gets_the_whole_batch(redis: PrivateRedis) -> None:
    broker = make_broker(redis.url, namespace=NAMESPACE)
    client = Redis.from_url(redis.url)
    publish_envelopes(broker, batch(0))
    client.script_flush()

    publish_envelopes(broker, batch(1))

    assert queued(client) == 10
    messages = client.hvals(f"{NAMESPACE}:{routes_for(SNAPSHOT)[0].queue.value}.msgs")
    envelopes = [json.loads(json.loads(message)["args"][0]) for message in messages]
    assert sorted((envelope["n"], envelope["k"]) for envelope in envelopes) == [
        (n, k) for n in (0, 1) for k in range(5)
    ]


def test_a_message_written_by_hand_is_byte_for_byte_what_dramatiq_would_have_encoded() -> None:
    # The pipeline skips building dramatiq Messages; a worker must still read exactly what it would have.
    (route,) = routes_for(SNAPSHOT)
    body = json.dumps({"name": 'Анна "Смирнова"\n', "sum": "12.50", "emoji": "\u2028"}, ensure_ascii=False)
    expected = dramatiq.Message(
        queue_name=route.queue.value,
        actor_name=route.actor_name,
        args=(body,),
        kwargs={},
        options={"redis_message_id": "r-1"},
        message_id="m-1",
        message_timestamp=1_764_400_000_123,
    ).encode()

    assert encoded_message(route, body, "m-1", "r-1", 1_764_400_000_123) == expected


def test_published_messages_decode_as_dramatiq_messages_with_their_own_ids(redis: PrivateRedis) -> None:
    broker = make_broker(redis.url, namespace=NAMESPACE)
    client = Redis.from_url(redis.url)

    publish_envelopes(broker, batch(0))

    stored = client.hgetall(f"{NAMESPACE}:{routes_for(SNAPSHOT)[0].queue.value}.msgs")
    messages = {key.decode(): dramatiq.Message.decode(value) for key, value in stored.items()}
    assert len(messages) == 5
    for redis_message_id, message in messages.items():
        assert message.options["redis_message_id"] == redis_message_id
        assert uuid.UUID(message.message_id).version == uuid.UUID(redis_message_id).version == 4
        assert message.actor_name == routes_for(SNAPSHOT)[0].actor_name
    assert len({message.message_id for message in messages.values()} | set(messages)) == 10
    assert sorted(json.loads(message.args[0])["k"] for message in messages.values()) == list(range(5))


def test_the_batch_is_packed_byte_for_byte_as_redis_py_packs_each_evalsha() -> None:
    # Packed by hand for speed (arguments common to a queue once per batch); Redis must read the same commands.
    connection = Redis.from_url("redis://127.0.0.1:6379/0").connection_pool.make_connection()
    body = 'Анна "Смирнова" \r\n $5\r\n' + "x" * 7_000  # past redis-py's buffer cutoff, RESP-like text inside
    calls = [
        ["enqueue", 1_764_400_000_123, queue, "broker-1", 20_000, 604_800_000, 0, 7, f"r-{n}", message]
        for n, (queue, message) in enumerate(
            [("order_confirm", body.encode()), ("notify", b"{}"), ("order_confirm", b"")]
        )
    ]
    expected = b"".join(b"".join(connection.pack_commands([("EVALSHA", "f" * 40, 1, "okno", *call)])) for call in calls)

    assert packed_evalshas(connection.encoder, "f" * 40, "okno", calls) == expected
