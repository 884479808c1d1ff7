"""The request gate admits at most its slots, across event loops, and never loses or doubles a slot when a
waiting request is cancelled (a client hanging up while it waits)."""

from __future__ import annotations

import asyncio
import threading

from services.common.request_gate import RequestGate
from tests.support import run_coroutine


def test_waiters_beyond_the_slots_wait_and_a_cancelled_waiter_gives_its_turn_back() -> None:
    gate = RequestGate(2)
    inside = 0
    most_inside = 0

    async def request(hold: asyncio.Event | None = None) -> None:
        nonlocal inside, most_inside
        async with gate.slot():
            inside += 1
            most_inside = max(most_inside, inside)
            await (hold.wait() if hold else asyncio.sleep(0))
            inside -= 1

    async def main() -> None:
        release = asyncio.Event()
        first = [asyncio.create_task(request(release)) for _ in range(2)]
        await asyncio.sleep(0)
        assert gate.in_use == 2
        cancelled = asyncio.create_task(request())  # queued behind the two
        rest = [asyncio.create_task(request()) for _ in range(6)]
        await asyncio.sleep(0)
        cancelled.cancel()
        release.set()
        await asyncio.gather(*first, *rest)
        assert cancelled.cancelled()

    run_coroutine(main())
    assert most_inside == 2
    assert gate.in_use == 0


def test_one_gate_caps_requests_of_several_event_loops_together() -> None:
    gate = RequestGate(3)
    inside = 0
    most_inside = 0
    lock = threading.Lock()

    async def request() -> None:
        nonlocal inside, most_inside
        async with gate.slot():
            with lock:
                inside += 1
                most_inside = max(most_inside, inside)
            await asyncio.sleep(0.005)
            with lock:
                inside -= 1

    async def loop_of_requests() -> None:
        await asyncio.gather(*(request() for _ in range(40)))

    threads = [threading.Thread(target=run_coroutine, args=(loop_of_requests(),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most_inside == 3
    assert gate.in_use == 0
