"""Inbound decisions side by side: a caller is never held up by a decision about another operator, an operator
taken since the reads is passed over, and a burst rings each free operator once."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from services.common.db import transaction
from services.notify.telephony import lines
from services.notify.telephony.inbound import flow, hot, lookup
from services.notify.telephony.lines import lock_line
from services.notify.telephony.models import VoiceCall
from services.notify.telephony.routing import Agent
from tests.fakes.twilio import FakeTwilio
from tests.notify.telephony.inbound_support import Desk, Phone, inbound_desk
from tests.notify.telephony.support import TENANT
from tests.support import FrozenClock, wait_until, waiting_on_a_lock

ANNA, BORIS, VERA = 11, 12, 13  # no call yet: Anna is idle longest by the id order, then Boris


@pytest.fixture
def desk(database_url: str, clock: FrozenClock, twilio_server: tuple[FakeTwilio, str]) -> Iterator[Desk]:
    twilio, url = twilio_server
    twilio.updates.clear()
    with inbound_desk(database_url, clock, twilio, url) as instance:
        instance.settings()
        yield instance


def test_a_caller_is_not_held_up_by_another_request_holding_the_first_choice(desk: Desk) -> None:
    """Another request holds Anna's line (another caller's decision ringing her, an outbound call starting):
    this caller rings Boris at once instead of waiting for that request to commit. The tenant-wide lock
    this replaced made every decision to ring wait in line (bench.inbound's burst)."""
    if desk.runtime.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks: SQLite has one writer at a time")
    desk.presence(ANNA)
    desk.presence(BORIS)
    answered: list[Phone] = []
    with transaction(desk.runtime.engine) as other_request:
        lock_line(other_request, ANNA)
        caller = threading.Thread(target=lambda: answered.append(desk.dial_in("+79160000001")), daemon=True)
        caller.start()
        wait_until(
            lambda: not caller.is_alive() or waiting_on_a_lock(desk.runtime.engine),
            timeout=30,
            message="the caller's decision to finish or wait for a lock",
        )
        waited = caller.is_alive()
    caller.join(timeout=30)
    assert not waited, "the decision waited for Anna's line instead of ringing Boris"
    [phone] = answered
    assert phone.now.client == "operator_12"


def test_an_operator_rung_since_the_reads_is_passed_over(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reads said Anna was free; under her line's lock she is on a call: Boris is rung, not nobody."""
    desk.presence(ANNA)
    desk.presence(BORIS)
    with transaction(desk.runtime.engine) as session:
        session.add(
            VoiceCall(
                id=str(uuid.uuid4()),
                tenant_id=TENANT,
                direction="outbound",
                state="in_progress",
                operator_id=ANNA,
                offered_at=desk.clock(),
                answered_at=desk.clock(),
                updated_at=desk.clock(),
            )
        )
    if desk.runtime.engine.dialect.name == "postgresql":  # the decision's hot path (inbound/hot.py)
        hot_reads = hot._parsed

        def stale_read(*args: Any) -> hot.Read:
            read = hot_reads(*args)
            return replace(read, agents=[replace(a, busy=False) for a in read.agents])

        monkeypatch.setattr(hot, "_parsed", stale_read)
    else:
        reads = lookup.agents

        def stale(session: object, tenant_id: str) -> list[Agent]:
            return [Agent(a.operator_id, a.signed_in, False, a.idle_since) for a in reads(session, tenant_id)]  # type: ignore[arg-type]

        monkeypatch.setattr(lookup, "agents", stale)
    phone = desk.dial_in("+79160000001")
    assert phone.now.client == "operator_12"


def test_a_burst_of_callers_rings_each_free_operator_once(desk: Desk) -> None:
    """Six callers at once against three operators: three rung, each by a different operator, three queued."""
    for operator_id in (ANNA, BORIS, VERA):
        desk.presence(operator_id)
    with ThreadPoolExecutor(max_workers=6) as pool:
        phones = list(pool.map(desk.dial_in, [f"+7916000000{n}" for n in range(1, 7)]))
    rung = Counter(phone.now.client for phone in phones)
    assert rung == {"operator_11": 1, "operator_12": 1, "operator_13": 1, None: 3}
    assert sorted(c.state for c in desk.calls()) == ["queued"] * 3 + ["ringing"] * 3


def test_an_offer_is_dated_from_when_its_operators_line_is_held(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook came in, then waited (a connection, the reads, the lock) while the operator's last call
    ended: the offer starts when the line is held, so it never overlaps that call (bench.inbound's check)."""
    desk.presence(ANNA)
    came_in = desk.clock()
    if desk.runtime.engine.dialect.name == "postgresql":  # the decision's hot path (inbound/hot.py)
        read = hot._parsed  # the line is asked for (and locked) in the write that follows the read

        def slow_read(*args: Any) -> hot.Read:
            desk.clock.advance(seconds=2)  # the time the decision waited before it asked for the line
            return read(*args)

        monkeypatch.setattr(hot, "_parsed", slow_read)
    else:
        held = lines.try_lock_line

        def slow_lock(session: Session, operator_id: int) -> bool:
            desk.clock.advance(seconds=2)  # the time the decision waited before the line was its own
            return held(session, operator_id)

        monkeypatch.setattr(flow, "try_lock_line", slow_lock)
    phone = desk.dial_in("+79160000001")
    assert phone.now.client == "operator_11"
    [call] = desk.calls()
    [offer] = desk.updates(call.id)[-1].offers
    assert call.offered_at == came_in  # the caller's wait counts from their arrival
    assert offer.offered_at == came_in + timedelta(seconds=2)


def test_a_caller_who_hung_up_since_the_queue_loop_read_is_not_rung(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue loop reads without a lock (PostgreSQL's hot path): the caller hung up between that read, which
    found Anna free, and the write that would ring her. Nothing rings; the loop's answer is decided again under
    the call's lock, and a call that is over hangs up."""
    if desk.runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite decides under the call's lock from the start (one writer at a time)")
    phone = desk.dial_in("+79160000001")
    assert phone.now.redirect, "nobody signed in: the caller waits"
    desk.presence(ANNA)
    parsed = hot._parsed

    def hung_up_meanwhile(*args: Any) -> hot.Read:
        read = parsed(*args)
        with transaction(desk.runtime.engine) as session:  # the caller's status callback, committed meanwhile
            call = flow.inbound_call(session, phone.call_id)
            assert call is not None
            flow.end(session, desk.runtime.outbox, call, "abandoned", at=desk.clock())
        return read

    monkeypatch.setattr(hot, "_parsed", hung_up_meanwhile)
    assert phone.wait().hangup
    [call] = desk.calls()
    assert call.state == "ended"
    assert all(not update.offers for update in desk.updates(call.id)), "Anna was rung for a call that was over"
