"""Survey steps under concurrent calls: latency of each TwiML webhook, notify's CPU and SQL per step, and the
same statements sent straight through asyncpg as the baseline, in one run.

notify runs in its own process (uvicorn, one worker, production settings with Twilio credentials, the outbox
relay off: nothing consumes the reports here) on a scratch PostgreSQL database (or SQLite with `--sqlite`).
The benchmark plays Twilio with a raw asyncio HTTP client (bench/_http.py) and requests signed up front:
start -> CSAT -> NPS -> last question -> status callback for `--calls` calls at once, `--rounds` times, then
verifies every call was counted once. Statements and commits per step come from a counting pass of its own
(`--counted` calls before the timed rounds) with bench._serve's asyncpg query logger on; the timed pass runs
without it, since the logger costs CPU on every statement (bench/_serve.py). The baseline (PostgreSQL) runs
the step's own statements (lock and read, store, the report's outbox row on the last step) through asyncpg
from as many tasks; notify's CPU per step is printed beside the baseline client's CPU per step.

    .venv/bin/python -m bench.twiml                      # 50 concurrent calls x 4 rounds, PostgreSQL
    .venv/bin/python -m bench.twiml --rounds 1           # smoke size
    .venv/bin/python -m bench.twiml --sqlite             # the embedded mode (no baseline)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from bench._http import Connection, build_request
from bench._measure import (
    count_driver_statements,
    cpu_seconds,
    fresh_postgres,
    latency_line,
    load,
    server_counters,
    wait_for_server,
)
from services.common.db import make_engine, transaction
from services.common.migrations import upgrade
from services.notify.models import SurveyCall
from tests.support import free_port

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
# notify runs as in production, with Twilio credentials; the benchmark signs as that account would.
BENCH_ACCOUNT_SID = "AC" + "b" * 32
BENCH_AUTH_TOKEN = "bench-twilio-auth-token"
STEPS = ("start", "csat", "nps", "callback", "status")


def serve(database_url: str, port: int) -> None:
    import uvicorn

    from bench._serve import instrument
    from okno.one_write import OneWriteHttpProtocol
    from okno.production import serving
    from services.notify.app import create_app
    from services.notify.settings import NotifySettings
    from services.notify.wiring import build

    settings = NotifySettings(
        database_url=database_url,
        public_base_url=f"http://127.0.0.1:{port}",
        redis_url=None,
        twilio_account_sid=BENCH_ACCOUNT_SID,
        twilio_auth_token=BENCH_AUTH_TOKEN,
    )
    runtime = build(settings)
    runtime.outbox.relay_enabled = False  # no broker consumer here; reports stay in the outbox
    app = create_app(runtime)
    instrument(app)
    # As `okno serve notify` runs it: the app's objects frozen out of the collector's reach (serving), no
    # uvicorn proxy-header middleware (forwarding is the app's to judge).
    uvicorn.run(
        serving(app),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        http=OneWriteHttpProtocol,
    )


def prepare(database_url: str, calls: int) -> list[tuple[int, str]]:
    upgrade("notify", database_url)
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    made: list[tuple[int, str]] = []
    with transaction(engine) as session:
        for n in range(calls):
            sid = "CA" + uuid.uuid4().hex
            survey = SurveyCall(
                tenant="bench",
                attempt_id=n + 1,
                order_id=n,
                customer_id=n,
                operator_id=1,
                phone=f"+7916{n:07d}",
                timezone="Europe/Moscow",
                language="ru",
                status="calling",
                due_at=now,
                call_sid=sid,
                placed_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(survey)
            session.flush()
            assert survey.id is not None
            made.append((survey.id, sid))
    engine.dispose()
    return made


def signed_steps(port: int, survey_id: int, sid: str) -> list[bytes]:
    """The five webhooks of one call, as Twilio would send them, signed (built before the clock starts)."""
    signer = RequestValidator(BENCH_AUTH_TOKEN)
    prefix = f"/twilio/surveys/{survey_id}"
    steps = [
        (f"{prefix}/start", {"AnsweredBy": "human"}),
        (f"{prefix}/answer/csat?try=1", {"Digits": "4"}),
        (f"{prefix}/answer/nps?try=1", {"Digits": "9"}),
        (f"{prefix}/answer/callback?try=1", {"Digits": "1"}),
        (f"{prefix}/status", {"CallStatus": "completed"}),
    ]
    built = []
    for path, extra in steps:
        form = {"CallSid": sid, "AccountSid": BENCH_ACCOUNT_SID, "From": "+15005550006", "To": "+79160000000"}
        form = {"CallStatus": "in-progress", **form, **extra}
        headers = {
            "X-Twilio-Signature": signer.compute_signature(f"http://127.0.0.1:{port}{path}", form),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        built.append(build_request("POST", path, port, headers, raw_body=urlencode(form).encode()))
    return built


async def one_call(port: int, requests: list[bytes], timings: dict[str, list[float]]) -> None:
    connection = Connection(port)
    try:
        for name, raw in zip(STEPS, requests, strict=True):
            started = time.perf_counter()
            status, body = await connection.request(raw)
            timings[name].append(time.perf_counter() - started)
            if status not in (200, 204):
                raise SystemExit(f"{name}: {status} {body[:300]!r}")
    finally:
        connection.close()


async def run(port: int, batches: list[list[list[bytes]]]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in STEPS}
    for batch in batches:
        await asyncio.gather(*(one_call(port, requests, timings) for requests in batch))
    return timings


def count_statements(pid: int, port: int, calls: list[list[bytes]], at_once: int) -> tuple[float, float]:
    """Statements and commits per step, counted with asyncpg's query logger on (it sees the step's statements,
    and costs CPU on each: the timed pass runs without it). The CPU of this pass shows what the logger costs."""
    if not calls:
        return float("nan"), float("nan")
    count_driver_statements(port, on=True)
    before, cpu = server_counters(port), cpu_seconds(pid)
    asyncio.run(run(port, [calls[i : i + at_once] for i in range(0, len(calls), at_once)]))
    after, cpu = server_counters(port), cpu_seconds(pid) - cpu
    steps = len(calls) * len(STEPS)
    print(f"counting pass ({steps} steps, query logger on): {cpu / steps * 1000:.2f} ms CPU per step with the logger")
    return (after.statements - before.statements) / steps, (after.transactions - before.transactions) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50, help="concurrent survey calls")
    parser.add_argument("--rounds", type=int, default=4, help="batches of concurrent calls, one after another")
    parser.add_argument("--counted", type=int, default=50, help="calls of the statement-counting pass (logger on)")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--sqlite", action="store_true", help="the embedded mode: SQLite, no baseline")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    url = (
        f"sqlite:///{Path(scratch.name) / 'bench.db'}"
        if args.sqlite
        else fresh_postgres(args.admin_url, "okno_bench_twiml")
    )
    try:
        measure(args, url)
    finally:
        if not args.sqlite:
            with psycopg.connect(args.admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def measure(args: argparse.Namespace, url: str) -> None:
    from bench._twiml_baseline import raw_steps

    total = args.calls * args.rounds
    surveys = prepare(url, 1 + args.counted + total * (1 if args.sqlite else 2))
    warm_up, counted, surveys = surveys[0], surveys[1 : 1 + args.counted], surveys[1 + args.counted :]
    served, for_baseline = surveys[:total], surveys[total:]
    port = free_port()
    requests = [signed_steps(port, survey_id, sid) for survey_id, sid in served]
    batches = [requests[i : i + args.calls] for i in range(0, len(requests), args.calls)]
    counting = [signed_steps(port, survey_id, sid) for survey_id, sid in counted]
    gc.freeze()  # the client's full collections would scan every prebuilt request (as in bench.intake)
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(url, port), daemon=True)
    server.start()
    assert server.pid is not None
    try:
        wait_for_server(port, "notify")
        asyncio.run(run(port, [[signed_steps(port, *warm_up)]]))  # imports, statement caches, the pool
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {load()}")
        print(f"database: {url.split(':', 1)[0]}; {args.calls} concurrent calls x {args.rounds} rounds")
        statements, commits = count_statements(server.pid, port, counting, args.calls)
        count_driver_statements(port, on=False)
        cpu = cpu_seconds(server.pid)
        started = time.perf_counter()
        timings = asyncio.run(run(port, batches))
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(server.pid) - cpu
    finally:
        server.terminate()
        server.join(10)
    every = [t for values in timings.values() for t in values]
    for name, values in [*timings.items(), ("all", every)]:
        print(f"  {name:<9} {latency_line(values)}")
    steps = len(every)
    print(f"{steps} webhooks in {elapsed:.1f} s = {steps / elapsed:.0f}/s")
    print(f"notify per step: {cpu / steps * 1000:.2f} ms CPU (query logger off), {statements:.2f} statements,", end=" ")
    print(f"{commits:.2f} commits (counting pass)")
    _verify(url, len(served) + len(counted) + 1)
    if not args.sqlite:
        raw_rate, raw_cpu, raw_latencies = asyncio.run(raw_steps(url, for_baseline, args.calls))
        print(f"baseline (asyncpg, same statements): {raw_rate:.0f} steps/s, {raw_cpu * 1000:.2f} ms client CPU")
        print(f"  per step; {latency_line(raw_latencies)}")
        print(f"notify reaches {steps / elapsed / raw_rate:.0%} of the baseline's rate;", end=" ")
        print(f"CPU per step {cpu / steps / raw_cpu:.1f} x the baseline's")


def _verify(url: str, expected: int) -> None:
    """Every call was counted once: completed with the answers given, one report each."""
    engine = make_engine(url)
    with engine.connect() as connection:
        done = connection.execute(
            text("SELECT count(*) FROM survey_calls WHERE status = 'completed' AND csat = 4 AND nps = 9")
        ).scalar()
        reports = connection.execute(text("SELECT count(*) FROM notify_outbox")).scalar()
    engine.dispose()
    assert done == expected and reports == expected, (done, reports, expected)
    print(f"verified: {done} surveys completed, {reports} reports")


if __name__ == "__main__":
    main()
