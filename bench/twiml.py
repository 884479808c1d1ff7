"""Survey step latency under concurrent calls: p50/p99 of each TwiML webhook while N calls run at once.

Twilio gives up on a webhook after 15 s; the target is "well under a second" at p99 with 50 concurrent calls.
notify runs in its own process (uvicorn, one worker) on SQLite by default or the given PostgreSQL; the
benchmark plays Twilio: signed form posts for start -> CSAT -> NPS -> last question -> status callback.

    .venv/bin/python -m bench.twiml                      # 50 concurrent calls x 4 rounds, SQLite
    .venv/bin/python -m bench.twiml --database-url postgresql://postgres@127.0.0.1:5432/test --rounds 8
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from services.common.db import make_engine, normalize_url, transaction
from services.common.migrations import upgrade
from services.notify.models import SurveyCall
from tests.support import free_port

# notify runs as in production, with Twilio credentials; the benchmark signs as that account would.
BENCH_ACCOUNT_SID = "AC" + "b" * 32
BENCH_AUTH_TOKEN = "bench-twilio-auth-token"


def serve(database_url: str, port: int) -> None:
    import uvicorn

    from services.notify.app import create_app
    from services.notify.runtime import build
    from services.notify.settings import NotifySettings

    settings = NotifySettings(
        database_url=database_url,
        public_base_url=f"http://127.0.0.1:{port}",
        redis_url=None,
        twilio_account_sid=BENCH_ACCOUNT_SID,
        twilio_auth_token=BENCH_AUTH_TOKEN,
    )
    runtime = build(settings)
    runtime.outbox.relay_enabled = False  # no broker consumer here; reports stay in the outbox
    uvicorn.run(create_app(runtime), host="127.0.0.1", port=port, log_level="warning", access_log=False)


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


async def one_call(
    client: httpx.AsyncClient, base: str, survey_id: int, sid: str, timings: dict[str, list[float]]
) -> None:
    signer = RequestValidator(BENCH_AUTH_TOKEN)
    prefix = f"{base}/twilio/surveys/{survey_id}"
    steps = [
        ("start", f"{prefix}/start", {"AnsweredBy": "human"}),
        ("csat", f"{prefix}/answer/csat?try=1", {"Digits": "4"}),
        ("nps", f"{prefix}/answer/nps?try=1", {"Digits": "9"}),
        ("callback", f"{prefix}/answer/callback?try=1", {"Digits": "1"}),
        ("status", f"{prefix}/status", {"CallStatus": "completed"}),
    ]
    for name, url, extra in steps:
        form = {
            "CallSid": sid,
            "AccountSid": BENCH_ACCOUNT_SID,
            "From": "+15005550006",
            "To": "+79160000000",
            "CallStatus": "in-progress",
            **extra,
        }
        started = time.perf_counter()
        response = await client.post(
            url, data=form, headers={"X-Twilio-Signature": signer.compute_signature(url, form)}
        )
        timings[name].append(time.perf_counter() - started)
        response.raise_for_status()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run(base: str, batches: list[list[tuple[int, str]]]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {k: [] for k in ("start", "csat", "nps", "callback", "status")}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        for batch in batches:
            await asyncio.gather(*(one_call(client, base, sid_id, sid, timings) for sid_id, sid in batch))
    return timings


def wait_for(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("notify did not start")


def fresh_postgres(url: str) -> str:
    name = f"okno_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50, help="concurrent survey calls")
    parser.add_argument("--rounds", type=int, default=4, help="batches of concurrent calls, one after another")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL (a scratch database is created)")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    url = fresh_postgres(args.database_url) if args.database_url else f"sqlite:///{Path(scratch.name) / 'bench.db'}"
    surveys = prepare(url, args.calls * args.rounds)
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(url, port), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base)
        started = time.perf_counter()
        batches = [surveys[i : i + args.calls] for i in range(0, len(surveys), args.calls)]
        timings = asyncio.run(run(base, batches))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.join(10)
    every = [t for values in timings.values() for t in values]
    print(f"database: {normalize_url(url).split(':', 1)[0]}; {args.calls} concurrent calls x {args.rounds} rounds")
    print(f"{'step':<10}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, values in [*timings.items(), ("all", every)]:
        print(
            f"{name:<10}{len(values):>6}{percentile(values, 0.5) * 1000:>10.1f}{percentile(values, 0.99) * 1000:>10.1f}"
            f"{max(values) * 1000:>10.1f}"
        )
    print(
        f"{len(every)} webhooks in {elapsed:.1f} s = {len(every) / elapsed:.0f}/s;",
        f"mean {statistics.mean(every) * 1000:.1f} ms",
    )
    _verify(url, len(surveys))
    if args.database_url:
        with psycopg.connect(args.database_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


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
