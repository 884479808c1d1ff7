"""Settlement: a Redis that comes back empty loses no acknowledged message. What the outbox published but no
consumer reported settled is published again after the grace period, and applied once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from redis import Redis
from sqlalchemy import update
from sqlmodel import Session, select
from typer.testing import CliRunner

from services.common.db import make_engine
from services.common.messaging.broker import make_broker
from tests.common.private_redis import PrivateRedis
from tests.common.probe import Probe, ProbeInbox, ProbeOutbox, running_probe
from tests.support import FrozenClock, wait_until

GRACE = 60  # the probe's grace period, seconds


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


def _row(probe: Probe) -> ProbeOutbox:
    with Session(probe.engine) as session:
        return session.exec(select(ProbeOutbox)).one()


def _inbox_rows(probe: Probe) -> int:
    with Session(probe.engine) as session:
        return len(session.exec(select(ProbeInbox)).all())


def test_a_message_lost_with_an_emptied_redis_is_published_again_after_the_grace_period_and_applied_once(
    database_url: str, private_redis: PrivateRedis, clock: FrozenClock
) -> None:
    engine = make_engine(database_url)
    broker = make_broker(private_redis.url, namespace="okno-settle")
    with running_probe(engine, broker, clock, worker=False) as probe:
        probe.confirm_order()
        wait_until(lambda: _row(probe).published_at is not None, message="the relay to publish")
        Redis.from_url(private_redis.url).flushall()  # Redis comes back empty before any worker consumed it

        worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
        worker.start()
        try:
            wait_until(lambda: _row(probe).published_at is not None)
            assert probe.effects() == 0, "the message is gone with Redis' data"
            assert probe.settlement.republish_unsettled() == 0, "within the grace period nothing is re-sent"

            clock.advance(seconds=GRACE + 1)
            with Session(engine) as session:
                assert probe.settlement.overdue(session, clock()) == 1
            assert probe.settlement.republish_unsettled() == 1
            wait_until(lambda: probe.effects() == 1, message="the re-sent message to be applied")
            wait_until(lambda: _row(probe).settled_at is not None, message="the consumer's receipt")

            clock.advance(seconds=GRACE + 1)
            assert probe.settlement.republish_unsettled() == 0, "a settled message is never re-sent"
            with Session(engine) as session:
                assert probe.settlement.overdue(session, clock()) == 0
                assert probe.settlement.republished(session) == 1
        finally:
            worker.stop()
        assert probe.effects() == 1 and _inbox_rows(probe) == 1
        assert _row(probe).republish_count == 1
    broker.close()
    engine.dispose()


def test_a_lost_receipt_costs_one_duplicate_which_is_ignored_and_answered_with_a_receipt(
    database_url: str, redis_url: str, broker_namespace: str, clock: FrozenClock
) -> None:
    engine = make_engine(database_url)
    broker = make_broker(redis_url, namespace=broker_namespace)
    with running_probe(engine, broker, clock) as probe:
        probe.confirm_order()
        wait_until(lambda: _row(probe).settled_at is not None, message="the consumer's receipt")
        assert probe.effects() == 1
        with Session(engine) as session:  # the receipt was lost (Redis emptied after the consumer applied it)
            session.execute(update(ProbeOutbox).values(settled_at=None))
            session.commit()

        clock.advance(seconds=GRACE + 1)
        assert probe.settlement.republish_unsettled() == 1
        wait_until(lambda: _row(probe).settled_at is not None, message="the receipt for the duplicate")
        assert probe.effects() == 1 and _inbox_rows(probe) == 1, "the duplicate was not applied again"
    broker.close()
    engine.dispose()


def test_a_dead_lettered_message_is_settled_and_not_re_sent_forever(
    database_url: str, redis_url: str, broker_namespace: str, clock: FrozenClock
) -> None:
    engine = make_engine(database_url)
    broker = make_broker(redis_url, namespace=broker_namespace)
    with running_probe(engine, broker, clock) as probe:
        probe.failing = True
        probe.confirm_order()
        wait_until(probe.dead_letters.list, timeout=15, message="the message to be dead-lettered")
        wait_until(lambda: _row(probe).settled_at is not None, message="the receipt for the dead letter")
        clock.advance(seconds=GRACE + 1)
        assert probe.settlement.republish_unsettled() == 0, "its dead letter is the consumer's to replay"
    broker.close()
    engine.dispose()


def test_a_message_still_being_retried_is_not_settled(
    database_url: str, redis_url: str, broker_namespace: str, clock: FrozenClock
) -> None:
    engine = make_engine(database_url)
    broker = make_broker(redis_url, namespace=broker_namespace)
    with running_probe(engine, broker, clock) as probe:
        probe.failing = True
        probe.confirm_order()
        wait_until(lambda: len(probe.calls) >= 2, message="a retry")
        assert _row(probe).settled_at is None
        wait_until(probe.dead_letters.list, timeout=15)
    broker.close()
    engine.dispose()


def test_okno_check_still_answers_on_a_database_without_the_settlement_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from okno import cli
    from okno.commands import ops

    monkeypatch.setattr(ops.console, "width", 300)
    env = {"OKNO_DATABASE_URL": f"sqlite:///{tmp_path / 'unmigrated.db'}", "OKNO_REDIS_URL": ""}
    result = CliRunner().invoke(cli.app, ["check"], env=env)
    assert "unreadable: OperationalError" in result.output, result.output
