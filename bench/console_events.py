"""What the console's live streams cost the database: one poll per open stream per interval (PostgreSQL).

Each open `GET /api/v1/events` runs, every `events_poll_seconds`, the caller's queue query (what
`GET /api/v1/queue` shows, as compact marks) and, for supervisors, the floor summary. This benchmark seeds a
floor (`--operators` operators, `--tasks` open tasks spread over them, one supervisor over everybody), then
runs `--streams` simulated streams (operators' queues; one in `--supervisor-every` is the supervisor's, whose
every third poll also builds the floor summary, as `api/events.py` does) split over `--processes`
processes, each polling once per `--poll` seconds for `--duration` seconds.

It prints the poll latency (p50/p99) per kind and whether the streams kept to their interval: a poll that
takes longer than the interval means that stream's updates fall behind.

    .venv/bin/python -m bench.console_events                      # 500 streams, 20 s, fresh database
    .venv/bin/python -m bench.console_events --streams 50 --duration 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import psycopg
from sqlmodel import Session, col, select

from bench.queue import build_database, drop_database
from services.common.clock import utc_now
from services.common.db import make_engine, transaction
from services.order_confirm.models import Operator
from services.order_confirm.service import events
from services.order_confirm.service.scope import Scope, scope_of

# The polling design this replaced built a supervisor's floor on every third poll.
FLOOR_EVERY_POLLS = 3


@dataclass
class Tally:
    queue: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    late: int = 0
    polls: int = 0


def add_supervisor(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO operators (login, name, role, password_hash, status, status_changed_at, capacity, language,"
            " active, created_at) VALUES ('sup', 'Supervisor', 'supervisor', 'x', 'available', now(),"
            " 0, 'ru', true, now())"
        )
        connection.execute(
            "INSERT INTO operator_tenants (operator_id, tenant_id) SELECT id, 1 FROM operators WHERE login = 'sup'"
        )
        connection.execute(
            "UPDATE operators SET supervisor_id = (SELECT id FROM operators WHERE login = 'sup') WHERE login <> 'sup'"
        )


def load_scopes(url: str) -> tuple[list[Scope], Scope]:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        operators = session.exec(select(Operator).order_by(col(Operator.id))).all()
        scopes = [scope_of(session, operator) for operator in operators]
    engine.dispose()
    supervisor = next(scope for scope in scopes if scope.operator.login == "sup")
    return [scope for scope in scopes if scope is not supervisor], supervisor


def run_share(url: str, streams: list[tuple[int, bool]], poll: float, duration: float) -> Tally:
    """One process's streams, polled round-robin: each due stream gets its poll, as the server's threads do."""
    import threading

    operators, supervisor = load_scopes(url)
    engine = make_engine(url, pool_size=8)
    tally = Tally()
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def stream(index: int, is_floor: bool) -> None:
        scope = supervisor if is_floor else operators[index % len(operators)]
        next_at = time.monotonic() + (index % 100) * poll / 100  # streams opened at different moments
        polls = 0
        while True:
            time.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            with transaction(engine) as session:
                now = utc_now()
                events.queue_marks(session, scope, now)
                with_floor = is_floor and polls % FLOOR_EVERY_POLLS == 0  # as the polling design did
                if with_floor:
                    events.floor_mark(session, scope, now)
            elapsed = time.perf_counter() - started
            polls += 1
            with lock:
                (tally.floor if with_floor else tally.queue).append(elapsed)
                tally.polls += 1
                tally.late += elapsed > poll
            next_at += poll

    threads = [threading.Thread(target=stream, args=spec, daemon=True) for spec in streams]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return tally


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operators", type=int, default=250)
    parser.add_argument("--tasks", type=int, default=50_000, help="open tasks, spread over the operators")
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--supervisor-every", type=int, default=25, help="one stream in N watches the floor")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between a stream's polls")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()

    url = build_database(args.operators, args.tasks)
    try:
        add_supervisor(url)
        specs = [(n, n % args.supervisor_every == 0) for n in range(args.streams)]
        started = time.monotonic()
        with ProcessPoolExecutor(max_workers=args.processes) as pool:
            shares = [
                pool.submit(run_share, url, specs[n :: args.processes], args.poll, args.duration)
                for n in range(args.processes)
            ]
            tallies = [share.result() for share in shares]
        wall = time.monotonic() - started
    finally:
        drop_database(url)
    total = Tally()
    for tally in tallies:
        total.queue += tally.queue
        total.floor += tally.floor
        total.late += tally.late
        total.polls += tally.polls
    print(
        f"streams: {args.streams} ({sum(is_floor for _, is_floor in specs)} floors)  poll: {args.poll} s  "
        f"tasks: {args.tasks}  operators: {args.operators}  wall: {wall:.1f} s"
    )
    print(f"polls: {total.polls}  ({total.polls / args.duration:.0f}/s)  slower than the interval: {total.late}")
    for name, values in (("queue", total.queue), ("floor", total.floor)):
        if values:
            print(
                f"{name} poll p50: {statistics.median(values) * 1000:.1f} ms  "
                f"p99: {percentile(values, 0.99) * 1000:.1f} ms  ({len(values)} polls)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
