"""The baseline of bench/console_events.py: what the console's streams cost when each one polled the database.

This is the design the wake-up streams replaced: every open stream ran the caller's queue query once per
`--poll` seconds and, for a supervisor, the floor summary on every third poll, in the server's threads. It
is simulated here with the same queries, one thread per stream, split over processes as API replicas would be.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlmodel import Session, col, select

from services.common.clock import utc_now
from services.common.db import make_engine, transaction
from services.order_confirm.models import Operator
from services.order_confirm.service import events
from services.order_confirm.service.scope import Scope, scope_of

FLOOR_EVERY_POLLS = 3


@dataclass
class PollTally:
    queue: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    late: int = 0
    polls: int = 0
    statements: int = 0

    def add(self, other: PollTally) -> None:
        self.queue += other.queue
        self.floor += other.floor
        self.late += other.late
        self.polls += other.polls
        self.statements += other.statements


def load_scopes(url: str) -> dict[str, Scope]:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        operators = session.exec(select(Operator).order_by(col(Operator.id))).all()
        scopes = {operator.login: scope_of(session, operator) for operator in operators}
    engine.dispose()
    return scopes


def poll_share(url: str, logins: list[str], poll: float, duration: float) -> PollTally:
    """One process's streams: each polls on its own schedule, as the server's threadpool did."""
    scopes = load_scopes(url)
    engine = make_engine(url, pool_size=8)
    tally = PollTally()
    lock = threading.Lock()

    def count(*_: object) -> None:
        with lock:
            tally.statements += 1

    event.listen(engine, "before_cursor_execute", count)
    deadline = time.monotonic() + duration

    def stream(index: int, scope: Scope) -> None:
        next_at = time.monotonic() + (index % 100) * poll / 100  # streams opened at different moments
        polls = 0
        while True:
            time.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() > deadline:
                return
            with_floor = events.watches_floor(scope) and polls % FLOOR_EVERY_POLLS == 0
            started = time.perf_counter()
            with transaction(engine) as session:
                now = utc_now()
                events.queue_marks(session, scope, now)
                if with_floor:
                    events.floor_mark(session, scope, now)
            elapsed = time.perf_counter() - started
            polls += 1
            with lock:
                (tally.floor if with_floor else tally.queue).append(elapsed)
                tally.polls += 1
                tally.late += elapsed > poll
            next_at += poll

    threads = [
        threading.Thread(target=stream, args=(index, scopes[login]), daemon=True) for index, login in enumerate(logins)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return tally
