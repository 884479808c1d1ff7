"""Reliable messaging on the real Redis broker, on SQLite and PostgreSQL: nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlmodel import Session, select

from services.common.admin import admin_router
from services.common.db import make_engine
from services.common.messaging.broker import make_broker, publish_envelope
from services.common.problems import install_problem_handlers
from services.common.settings import ServiceSettings
from tests.common.probe import Probe, ProbeDeadLetter, ProbeInbox, ProbeOutbox, running_probe
from tests.support import FrozenClock, live_server, wait_until


@pytest.fixture
def probe(database_url: str, redis_url: str, broker_namespace: str, clock: FrozenClock) -> Iterator[Probe]:
    engine = make_engine(database_url)
    broker = make_broker(redis_url, namespace=broker_namespace)
    with running_probe(engine, broker, clock) as running:
        yield running
    broker.close()
    engine.dispose()


def _outbox_rows(probe: Probe) -> list[ProbeOutbox]:
    with Session(probe.engine) as session:
        return list(session.exec(select(ProbeOutbox)).all())


def test_a_committed_change_reaches_the_consumer_once(probe: Probe) -> None:
    probe.confirm_order()
    wait_until(lambda: probe.effects() == 1, message="the confirmation to be consumed")
    assert _outbox_rows(probe)[0].published_at is not None


def test_a_rolled_back_change_sends_nothing(probe: Probe) -> None:
    from tests.common.probe import ProbeState, confirmed

    with Session(probe.engine) as session:
        session.add(ProbeState(status="confirmed"))
        probe.outbox.add(session, "order.confirmed", "probe-shop", confirmed(1))
        session.rollback()
    time.sleep(0.3)
    assert _outbox_rows(probe) == []
    assert probe.calls == []


def test_relay_killed_between_commit_and_publish_the_sweep_delivers_exactly_once(
    probe: Probe, clock: FrozenClock
) -> None:
    probe.outbox.relay_enabled = False  # the process "dies" right after the commit
    probe.confirm_order()
    time.sleep(0.3)
    assert probe.calls == [], "nothing may be published before the sweep"
    assert probe.outbox.sweep() == 0, "the sweep leaves rows the relay may still be publishing"

    clock.advance(seconds=11)
    assert probe.outbox.sweep() == 1
    wait_until(lambda: probe.effects() == 1, message="the swept message to be consumed")
    assert probe.outbox.sweep() == 0, "a published row is not swept again"
    time.sleep(0.3)
    assert probe.effects() == 1


def test_a_repeated_message_id_is_processed_once(probe: Probe) -> None:
    probe.outbox.relay_enabled = False
    probe.confirm_order()
    envelope = json.dumps(_outbox_rows(probe)[0].envelope)
    senders = [
        threading.Thread(target=publish_envelope, args=(probe.broker, "order.confirmed", envelope)) for _ in range(5)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    wait_until(lambda: len(probe.calls) >= 1)
    time.sleep(0.5)
    assert probe.effects() == 1
    with Session(probe.engine) as session:
        assert len(session.exec(select(ProbeInbox)).all()) == 1


def test_a_message_that_always_fails_is_dead_lettered_then_replayed_through_the_admin_api(probe: Probe) -> None:
    probe.failing = True
    probe.confirm_order()
    dead = wait_until(probe.dead_letters.list, timeout=15, message="the message to be dead-lettered")
    assert len(probe.calls) == 3, "first delivery + max_retries=2 retries"
    assert "the ERP rejected the document" in dead[0].error
    assert dead[0].tenant == "probe-shop" and dead[0].message_type == "order.confirmed"
    assert probe.effects() == 0

    probe.failing = False  # the fault is fixed
    app = FastAPI()
    install_problem_handlers(app)
    runtime = SimpleNamespace(dead_letters=probe.dead_letters, broker=probe.broker, settings=ServiceSettings())

    def probe_runtime(request: Request) -> Any:
        return runtime

    app.include_router(admin_router(probe_runtime))
    token = {"Authorization": f"Bearer {ServiceSettings().service_token}"}
    with live_server(app) as base_url:
        assert httpx.post(f"{base_url}/admin/dead-letters/{dead[0].id}/replay").status_code == 401
        listed = httpx.get(f"{base_url}/admin/dead-letters", headers=token).json()
        assert [row["id"] for row in listed] == [dead[0].id]
        replayed = httpx.post(f"{base_url}/admin/dead-letters/{dead[0].id}/replay", headers=token)
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["replay_count"] == 1
        missing = httpx.post(f"{base_url}/admin/dead-letters/99999/replay", headers=token)
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wait_until(lambda: probe.effects() == 1, message="the replayed message to be applied")
    assert probe.dead_letters.list() == [], "a replayed dead letter leaves the open list"
    with Session(probe.engine) as session:
        assert session.exec(select(ProbeDeadLetter)).one().replayed_at is not None


def test_a_sync_commit_relays_even_where_a_loop_is_registered_but_not_running(probe: Probe) -> None:
    """Playwright's sync API leaves its event loop registered as "running" in the main thread while it waits;
    a sync session's relay handed to that loop never ran (SMS and payment statuses stuck in browser tests)."""
    parked = asyncio.new_event_loop()
    asyncio.events._set_running_loop(parked)
    try:
        probe.confirm_order()
    finally:
        asyncio.events._set_running_loop(None)
        parked.close()
    assert _outbox_rows(probe)[0].published_at is not None, "published in the committing thread"
    wait_until(lambda: probe.effects() == 1, message="the confirmation to be consumed")
