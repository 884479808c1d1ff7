"""Tabs of one login share a queue read (streams/hub.py `StreamHub.shared`): a stream takes another's read only
if that read began after every note the hub had heard, and never one older than a read it already has."""

from __future__ import annotations

import asyncio

import pytest

from services.common.wakeups import InProcessWakeups
from services.order_confirm.streams.hub import StreamHub
from tests.support import run_coroutine

LONG = 3600.0  # freshness bound out of the way: these tests are about notes and order, not time


def test_a_tab_woken_by_the_same_note_takes_the_read_in_flight_and_a_later_note_forces_a_new_one() -> None:
    async def scenario() -> None:
        hub = StreamHub(InProcessWakeups(), reads_at_once=2)
        gate = asyncio.Event()
        fetched: list[str] = []

        async def fetch(name: str) -> str:
            fetched.append(name)
            await gate.wait()
            return name

        first = asyncio.create_task(hub.shared(7, "login", 0, LONG, lambda: fetch("a")))
        await asyncio.sleep(0)
        second = asyncio.create_task(hub.shared(7, "login", 0, LONG, lambda: fetch("b")))
        other_login = asyncio.create_task(hub.shared(7, "other", 0, LONG, lambda: fetch("c")))
        await asyncio.sleep(0)
        gate.set()
        (n1, a), (n2, b), (_, c) = await asyncio.gather(first, second, other_login)
        assert (a, b, c) == ("a", "a", "c") and n1 == n2 and fetched == ["a", "c"]
        assert hub.shared_reads == 1

        hub.deliver("[]")  # a note after that read began: its result may miss the change
        n3, d = await hub.shared(7, "login", 0, LONG, lambda: fetch("d"))
        assert d == "d" and n3 > n1
        n4, _ = await hub.shared(7, "login", n3, LONG, lambda: fetch("e"))  # not older than what it has
        assert n4 > n3 and fetched == ["a", "c", "d", "e"]

    run_coroutine(scenario())


def test_a_failed_or_abandoned_read_is_not_shared() -> None:
    async def scenario() -> None:
        hub = StreamHub(InProcessWakeups(), reads_at_once=2)
        started = asyncio.Event()

        async def hangs() -> str:
            started.set()
            await asyncio.Event().wait()
            return "never"

        async def own() -> str:
            return "own"

        abandoned = asyncio.create_task(hub.shared(7, "login", 0, LONG, hangs))
        await started.wait()
        joiner = asyncio.create_task(hub.shared(7, "login", 0, LONG, own))
        await asyncio.sleep(0)
        abandoned.cancel()  # its stream closed: the joiner reads for itself
        assert (await joiner)[1] == "own"

        async def fails() -> str:
            raise OSError("database gone")

        with pytest.raises(OSError):
            await hub.shared(8, "login", 0, LONG, fails)
        assert (await hub.shared(8, "login", 0, LONG, own))[1] == "own"

    run_coroutine(scenario())
