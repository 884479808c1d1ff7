"""Group commit on SQLite and PostgreSQL: messages waiting together share one transaction, each is applied once,
and a bad one fails alone while the rest of its batch is applied.

Every scenario is made deterministic the same way: a first message leads alone and is held inside its handler
until the others have been handed over, so those form exactly one batch when it is released."""

from __future__ import annotations

import ctypes
import itertools
import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import Session, select

from services.common.db import make_engine
from services.common.messaging.consumers import consume_once
from services.common.messaging.group_commit import Apply, GroupCommit
from tests.common.probe import ProbeEffect, ProbeInbox, ProbeModel
from tests.support import wait_until

ACTOR = "probe.order_confirmed"
Outcome = bool | Exception


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    ProbeModel.metadata.drop_all(engine)
    ProbeModel.metadata.create_all(engine)
    yield engine
    ProbeModel.metadata.drop_all(engine)
    engine.dispose()


def _group(engine: Engine) -> GroupCommit:
    def alone(message_id: str, apply: Apply) -> bool:
        return consume_once(engine, ProbeInbox, ACTOR, message_id, apply)

    return GroupCommit(engine, ProbeInbox, ACTOR, alone, limit=32)


def _effect(message_id: str, n: int) -> Apply:
    def apply(session: Session) -> None:
        session.add(ProbeEffect(message_id=message_id, order_id=n))

    return apply


def _poison(message_id: str) -> Apply:
    def apply(session: Session) -> None:
        session.add(ProbeEffect(message_id=message_id, order_id=-1))
        session.flush()
        raise RuntimeError("the payload makes no sense")

    return apply


def hold_the_lead(
    group: GroupCommit, then: Apply, *, message_id: str = "held"
) -> tuple[threading.Event, threading.Thread]:
    """A first message that leads alone and waits inside its handler until released (then applies `then`)."""
    entered, release = threading.Event(), threading.Event()

    def held(session: Session) -> None:
        entered.set()
        release.wait(timeout=30)
        then(session)

    thread = threading.Thread(target=group.submit, args=(message_id, held))
    thread.start()
    entered.wait(timeout=30)
    return release, thread


def _in_one_batch(group: GroupCommit, messages: list[tuple[str, Apply]]) -> dict[int, Outcome]:
    """Submit `messages` from a thread each while a first message holds the lead; outcomes by position."""
    outcomes: dict[int, Outcome] = {}

    def submit(position: int, message_id: str, apply: Apply) -> None:
        try:
            outcomes[position] = group.submit(message_id, apply)
        except Exception as error:
            outcomes[position] = error

    release, leader = hold_the_lead(group, _effect("held", 0))
    threads = [threading.Thread(target=submit, args=(n, *message)) for n, message in enumerate(messages)]
    for thread in threads:
        thread.start()
    wait_until(lambda: group.waiting == len(messages), message="every message handed over")
    release.set()
    for thread in [leader, *threads]:
        thread.join(timeout=30)
    return outcomes


def _counting_commits(engine: Engine) -> Callable[[], int]:
    commits = itertools.count()
    event.listen(engine, "commit", lambda *_: next(commits))
    return lambda: next(commits)


def _effects(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.exec(select(ProbeEffect.message_id, func.count()).group_by(ProbeEffect.message_id)).all()
    return {message_id: int(count) for message_id, count in rows}


def _inbox(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.exec(select(ProbeInbox.message_id)).all())


def test_messages_waiting_together_are_applied_once_in_one_transaction(engine: Engine) -> None:
    group = _group(engine)
    commits = _counting_commits(engine)
    messages = [(f"m{n}", _effect(f"m{n}", n)) for n in range(1, 6)]

    outcomes = _in_one_batch(group, messages)

    assert outcomes == dict.fromkeys(range(5), True)
    assert commits() == 2, "the held message's own transaction, then one for the five that waited"
    assert _effects(engine) == {"held": 1, "m1": 1, "m2": 1, "m3": 1, "m4": 1, "m5": 1}
    assert _inbox(engine) == ["held", "m1", "m2", "m3", "m4", "m5"]


def test_a_bad_message_fails_alone_and_the_rest_of_its_batch_is_applied_once(engine: Engine) -> None:
    group = _group(engine)
    messages = [("m1", _effect("m1", 1)), ("bad", _poison("bad")), ("m3", _effect("m3", 3))]

    outcomes = _in_one_batch(group, messages)

    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], RuntimeError), "raised in its own thread: dramatiq retries it, then dead-letters"
    assert _effects(engine) == {"held": 1, "m1": 1, "m3": 1}
    assert _inbox(engine) == ["held", "m1", "m3"], "the bad message stays unprocessed for its retry"

    assert group.submit("bad", _effect("bad", 2)) is True, "fixed, it is applied on its retry"
    assert _effects(engine)["bad"] == 1


def test_a_message_applied_before_or_handed_over_twice_is_applied_once(engine: Engine) -> None:
    group = _group(engine)
    assert consume_once(engine, ProbeInbox, ACTOR, "old", _effect("old", 1))
    messages = [("old", _effect("old", 1)), ("new", _effect("new", 2)), ("new", _effect("new", 2))]

    outcomes = _in_one_batch(group, messages)

    assert outcomes == {0: False, 1: True, 2: False}
    assert _effects(engine) == {"held": 1, "old": 1, "new": 1}


def test_a_batch_applies_its_messages_in_the_order_they_were_handed_over(engine: Engine) -> None:
    group = _group(engine)
    seen: list[str] = []

    def recording(message_id: str) -> Apply:
        def apply(session: Session) -> None:
            seen.append(message_id)
            # What an earlier message of the batch wrote is visible to a later one (same session).
            earlier = session.exec(select(func.count()).select_from(ProbeEffect)).one()
            session.add(ProbeEffect(message_id=message_id, order_id=int(earlier)))

        return apply

    release, leader = hold_the_lead(group, lambda _session: None)
    threads = []
    for n in range(1, 5):  # handed over one after the other
        threads.append(threading.Thread(target=group.submit, args=(f"m{n}", recording(f"m{n}"))))
        threads[-1].start()
        wait_until(lambda n=n: group.waiting == n)  # type: ignore[misc]
    release.set()
    for thread in [leader, *threads]:
        thread.join(timeout=30)

    assert seen == ["m1", "m2", "m3", "m4"]
    with Session(engine) as session:
        stored = session.exec(select(ProbeEffect.message_id, ProbeEffect.order_id)).all()
    assert sorted(stored) == [("m1", 0), ("m2", 1), ("m3", 2), ("m4", 3)]


class _Interrupted(BaseException):
    """What dramatiq raises asynchronously in a worker thread past its time limit."""


def test_a_thread_interrupted_while_waiting_leaves_the_queue_and_later_messages_still_get_a_leader(
    engine: Engine,
) -> None:
    group = _group(engine)
    release, leader = hold_the_lead(group, _effect("held", 0))
    interrupted: list[BaseException] = []

    def submit_then_interrupted() -> None:
        try:
            group.submit("gone", _effect("gone", 1))
        except _Interrupted as error:
            interrupted.append(error)

    victim = threading.Thread(target=submit_then_interrupted)
    victim.start()
    wait_until(lambda: group.waiting == 1)
    assert victim.ident is not None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(victim.ident), ctypes.py_object(_Interrupted))
    victim.join(timeout=30)
    assert interrupted and group.waiting == 0
    release.set()
    leader.join(timeout=30)

    assert group.submit("later", _effect("later", 2)) is True, "the next message leads: nobody waits forever"
    assert _effects(engine) == {"held": 1, "later": 1}
