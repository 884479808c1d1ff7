"""Live console streams (`GET /api/v1/events`) on one API process: wake-up latency and database cost, beside
the polling design they replaced, in the same run (PostgreSQL, Redis).

Seeds a floor (`--operators` operators, `--tasks` open tasks spread over them, a supervisor per `--team`
operators), starts order_confirm's production app in its own process (`bench._serve`, Redis pub/sub for
wake-ups) and opens `--streams` real HTTP streams on it with a cheap asyncio client (one per supervisor, the
rest spread over the operators as browser tabs). Then:

1. idle for `--idle` seconds, once every stream has made its first read: the SQL statements the server sends
   (the target is none; the safety poll, a fixed rate per stream, is moved past the run and printed apart);
2. `--rate` changes per second for `--duration` seconds, committed by this process through the ORM (each
   reorders one task of a random operator, so the session hook publishes a wake-up as any writer would):
   wake-up latency from commit to the event reaching each of that operator's streams (p50/p99), deliveries
   missed, the server's statements per second and CPU;
3. the baseline: the same streams polling once per `--poll` seconds (queue query, and the floor summary on
   every third poll of a supervisor's stream), simulated in `--processes` processes for `--duration` seconds.

    .venv/bin/python -m bench.console_events                         # 500 streams, 250 operators, 50 000 tasks
    .venv/bin/python -m bench.console_events --streams 50 --operators 25 --tasks 2000 --duration 5 --idle 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
from sqlmodel import col, select

from bench._console_polling import PollTally, poll_share
from bench._http import EventStream, build_request
from bench._measure import cpu_seconds, latency_line, load, rss_mb, server_counters
from bench.queue import SECRET, build_database, drop_database
from services.common.clock import utc_now
from services.common.db import transaction
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Task
from services.order_confirm.security.tokens import issue_access_token
from services.order_confirm.settings import OrderConfirmSettings
from tests.support import free_port

REDIS_URL = os.environ.get("OKNO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SAFETY_POLL_OFF = 3600
SUPERVISORS = """
INSERT INTO operators (login, name, role, password_hash, status, status_changed_at, capacity, language, active,
                       created_at)
  SELECT 'sup' || n, 'Supervisor ' || n, 'supervisor', 'x', 'available', now(), 0, 'ru', true, now()
  FROM generate_series(1, %(supervisors)s) n;
INSERT INTO operator_tenants (operator_id, tenant_id) SELECT id, 1 FROM operators WHERE role = 'supervisor';
INSERT INTO auth_sessions (id, operator_id, refresh_hash, created_at, last_refreshed_at, expires_at)
  SELECT 'bench' || id, id, md5(id::text), now(), now(), now() + interval '1 day'
  FROM operators WHERE role = 'supervisor';
UPDATE operators o SET supervisor_id = s.id FROM operators s
  WHERE o.role = 'operator' AND s.login = 'sup' || (1 + (o.id - 1) / %(team)s)
"""


@dataclass(frozen=True)
class Watcher:
    login: str
    operator_id: int
    role: Role


@dataclass
class Live:
    """What the streams heard: commit times of the changes, and each stream's wake-up latencies."""

    committed: dict[int, float] = field(default_factory=dict)  # task id -> when its change committed
    expected: int = 0
    latencies: list[float] = field(default_factory=list)
    ready: int = 0
    failures: list[str] = field(default_factory=list)


def add_supervisors(url: str, operators: int, team: int) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in filter(str.strip, SUPERVISORS.split(";\n")):
            connection.execute(statement, {"supervisors": -(-operators // team), "team": team})


def watchers(url: str, streams: int) -> list[Watcher]:
    """One stream per supervisor, the rest spread over the operators (tabs)."""
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT login, id, role FROM operators ORDER BY id").fetchall()
    people = [Watcher(login, operator_id, Role(role)) for login, operator_id, role in rows]
    supervisors = [person for person in people if person.role is Role.SUPERVISOR]
    operators = [person for person in people if person.role is Role.OPERATOR]
    return supervisors + [operators[n % len(operators)] for n in range(max(0, streams - len(supervisors)))]


def stream_request(watcher: Watcher, port: int) -> bytes:
    token = issue_access_token(
        secret=SECRET,
        operator_id=watcher.operator_id,
        role=watcher.role,
        session_id=f"bench{watcher.operator_id}",
        now=utc_now(),
        lifetime=timedelta(hours=2),
    )
    return build_request("GET", "/api/v1/events", port, {"Authorization": f"Bearer {token}"})


async def listen(port: int, request: bytes, live: Live) -> None:
    stream = EventStream(port)
    try:
        status, body = await stream.open(request)
        if status != 200:
            live.failures.append(f"HTTP {status} {body[:200]!r}")
            return
        while (event := await stream.next_event()) is not None:
            arrived = time.monotonic()
            name, data = event
            if name == "ready":
                live.ready += 1
            elif name == "queue":
                for ref in data["changed"] + data["added"]:
                    if (committed := live.committed.get(ref["task_id"])) is not None:
                        live.latencies.append(arrived - committed)
        live.failures.append("a stream ended")  # streams outlive the run (events_stream_seconds)
    finally:
        stream.close()


def start_server(url: str, port: int, namespace: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OKNO_DATABASE_URL": url,
        "OKNO_REDIS_URL": REDIS_URL,
        "OKNO_BROKER_NAMESPACE": namespace,
        "OKNO_JWT_SECRET": SECRET,
        "OKNO_LOG_LEVEL": "WARNING",
        "OKNO_ORDER_CONFIRM_EVENTS_STREAM_SECONDS": "3600",
        # The safety poll (a read per stream every 30 s by default, for changes nobody announced) is moved past
        # the run: a stream's first poll falls 30 s after its first read, so on a machine that takes ~20 s to
        # open 500 streams the polls of the first ones landed in the idle window (65 and 183 "idle" statements
        # on a loaded machine, 0 with the poll moved). Its cost is a fixed rate, printed apart (`safety_line`).
        "OKNO_ORDER_CONFIRM_EVENTS_SAFETY_POLL_SECONDS": str(SAFETY_POLL_OFF),
    }
    server = subprocess.Popen([sys.executable, "-m", "bench._serve", "order_confirm", "--port", str(port)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            server_counters(port)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("order_confirm did not start")


async def settled(port: int, *, still_for: float = 3.0) -> int:
    """The server's statement count once it stopped moving (the streams' first reads are done)."""
    last = server_counters(port).statements
    while True:
        await asyncio.sleep(still_for)
        now = server_counters(port).statements
        if now == last:
            return now
        last = now


def write_changes(url: str, namespace: str, plan: list[tuple[int, int]], rate: float, live: Live) -> None:
    """Commit `plan` (task, operator) changes at `rate` per second through the ORM, so the session hook publishes
    each wake-up exactly as a request or a worker would."""
    settings = OrderConfirmSettings(database_url=url, redis_url=REDIS_URL, broker_namespace=namespace)
    runtime = order_confirm_wiring.build(settings)
    started = time.monotonic()
    for n, (task_id, _operator_id) in enumerate(plan):
        time.sleep(max(0.0, started + n / rate - time.monotonic()))
        with transaction(runtime.engine) as session:
            task = session.exec(select(Task).where(col(Task.id) == task_id)).one()
            task.priority = (task.priority + 1) % 7
            session.add(task)
            # Stamped as the commit starts (an event cannot arrive before it is stamped; the commit's own
            # round trip counts towards the latency).
            live.committed[task_id] = time.monotonic()
    runtime.engine.dispose()


def change_plan(url: str, people: list[Watcher], count: int) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """`count` distinct tasks of random watched operators, and how many streams each operator has open."""
    tabs: dict[int, int] = {}
    for person in people:
        if person.role is Role.OPERATOR:
            tabs[person.operator_id] = tabs.get(person.operator_id, 0) + 1
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT id, assignee_id FROM tasks WHERE status = 'open' ORDER BY id").fetchall()
    by_operator: dict[int, list[int]] = {}
    for task_id, assignee in rows:
        if assignee in tabs:
            by_operator.setdefault(assignee, []).append(task_id)
    rng = random.Random(13)
    plan: list[tuple[int, int]] = []
    while len(plan) < count and any(by_operator.values()):
        operator_id = rng.choice([operator for operator, tasks in by_operator.items() if tasks])
        tasks = by_operator[operator_id]
        plan.append((tasks.pop(rng.randrange(len(tasks))), operator_id))
    return plan, tabs


async def run_live(url: str, args: argparse.Namespace, people: list[Watcher]) -> None:
    port, namespace = free_port(), f"okno-bench-{uuid.uuid4().hex[:8]}"
    plan, tabs = change_plan(url, people, int(args.rate * args.duration))
    live = Live(expected=sum(tabs[operator_id] for _, operator_id in plan))
    server = start_server(url, port, namespace)
    try:
        opened = time.monotonic()
        readers = [asyncio.create_task(listen(port, stream_request(person, port), live)) for person in people]
        while live.ready + len(live.failures) < len(people) and time.monotonic() - opened < 120:
            await asyncio.sleep(0.05)
        print(f"opened {live.ready} of {len(people)} streams in {time.monotonic() - opened:.1f} s  {live.failures[:3]}")
        idle_from = await settled(port)
        await asyncio.sleep(args.idle)
        idle = server_counters(port).statements - idle_from
        print(
            f"idle {args.idle:.0f} s: {idle} SQL statements ({idle / args.idle:.1f}/s)"
            f"  server RSS {rss_mb(server.pid):.0f} MB"
        )
        print(safety_line(len(people)))
        await measure_changes(port, server.pid, url, namespace, plan, args, live)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


def safety_line(streams: int) -> str:
    poll = OrderConfirmSettings.model_fields["events_safety_poll_seconds"].default
    return (
        f"safety poll: off in this run (every {SAFETY_POLL_OFF} s); at the default {poll:.0f} s it adds"
        f" {streams / poll:.1f} stream reads/s here, whether or not anything changes"
    )


async def measure_changes(
    port: int, pid: int, url: str, namespace: str, plan: list[tuple[int, int]], args: argparse.Namespace, live: Live
) -> None:
    cpu0, counted0, started = cpu_seconds(pid), server_counters(port), time.monotonic()
    writer = threading.Thread(target=write_changes, args=(url, namespace, plan, args.rate, live))
    writer.start()
    while writer.is_alive():
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)  # the last wake-ups arrive
    wall = time.monotonic() - started
    cpu, counted = cpu_seconds(pid) - cpu0, server_counters(port)
    statements = counted.statements - counted0.statements
    print(
        f"wake on change: {len(plan)} changes ({len(plan) / (wall - 2.0):.0f}/s) to {len(live.committed)} tasks,"
        f" {len(live.latencies)} of {live.expected} stream deliveries"
    )
    print(f"    wake-up latency (commit -> event at the client): {latency_line(live.latencies)}")
    print(
        f"    server: {statements / wall:.0f} SQL statements/s ({statements / max(1, len(plan)):.1f} per change),"
        f" CPU {cpu / wall * 100:.0f} % of a core ({cpu / max(1, len(plan)) * 1000:.1f} ms per change),"
        f" RSS {rss_mb(pid):.0f} MB"
    )


def run_polling(url: str, args: argparse.Namespace, people: list[Watcher]) -> None:
    logins = [person.login for person in people]
    with ProcessPoolExecutor(max_workers=args.processes) as pool:
        shares = [
            pool.submit(poll_share, url, logins[n :: args.processes], args.poll, args.duration)
            for n in range(args.processes)
        ]
        total = PollTally()
        for share in shares:
            total.add(share.result())
    print(
        f"baseline, polling every {args.poll} s ({args.processes} processes): {total.polls / args.duration:.0f} polls/s"
        f" of {len(people) / args.poll:.0f} due, {total.late} slower than the interval,"
        f" {total.statements / args.duration:.0f} SQL statements/s"
    )
    print(f"    queue poll {latency_line(total.queue)}")
    print(f"    floor poll {latency_line(total.floor)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operators", type=int, default=250)
    parser.add_argument("--tasks", type=int, default=50_000, help="open tasks, spread over the operators")
    parser.add_argument("--team", type=int, default=25, help="operators per supervisor")
    parser.add_argument("--streams", type=int, default=500, help="open streams on the one API process")
    parser.add_argument("--rate", type=float, default=20.0, help="changes per second")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--idle", type=float, default=5.0)
    parser.add_argument("--poll", type=float, default=1.0, help="baseline: seconds between a stream's polls")
    parser.add_argument("--processes", type=int, default=2, help="baseline: polling processes")
    args = parser.parse_args()

    url = build_database(args.operators, args.tasks)
    try:
        add_supervisors(url, args.operators, args.team)
        people = watchers(url, args.streams)
        floors = sum(person.role is Role.SUPERVISOR for person in people)
        print(
            f"{len(people)} streams ({floors} supervisors' floors) on one API process; {args.operators} operators,"
            f" {args.tasks} open tasks; {args.rate:.0f} changes/s for {args.duration:.0f} s"
        )
        print(load())
        asyncio.run(run_live(url, args, people))
        run_polling(url, args, people)
        print(load())
    finally:
        drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
