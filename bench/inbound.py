"""Inbound one window under a burst: 200 callers dial the shop at once against 20 operators.

notify runs in its own process (uvicorn, one worker, Twilio credentials, relay off) on a scratch PostgreSQL
database (or SQLite with `--sqlite`); its Twilio REST API (the wake-ups' redirects) is a local fake. The
benchmark plays Twilio with the raw asyncio client (bench/_http.py): every caller's first webhook is signed
before the clock starts; the URLs after it come from notify's TwiML (call and offer ids), so those are
signed as they are read (one HMAC-SHA1, microseconds). Each caller: `inbound` → either a ringing `<Dial>` —
the operator answers (`offers/{id}/status`), talks `--talk` seconds, the `<Dial action>` says completed
(`dial-ended`), then the caller's `status` completed — or the queue, whose `<Redirect>` (`wait`) is followed
every `--hold` seconds until someone is free. Half the callers are known customers (each operator owns some);
owner and cover waits are `--personal-wait` seconds so the run shows all three tiers without lasting minutes.

Printed: p50/p99/max of each webhook, and of the routing decision inside notify (the line try-lock, the
projection reads, the pure rules and the offer, timed in the server around `inbound.flow._route` and its
PostgreSQL hot path `inbound.hot._route` / `_route_queued`; goal p99 < 50 ms), notify's CPU and SQL per webhook,
and a check that every call was answered exactly once with no operator rung twice at a time.

    .venv/bin/python -m bench.inbound                 # 200 callers, 20 operators, PostgreSQL
    .venv/bin/python -m bench.inbound --quick         # 40 callers, 5 operators (smoke)
    .venv/bin/python -m bench.inbound --sqlite        # the embedded mode
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from bench._http import Connection, build_request
from bench._measure import cpu_seconds, fresh_postgres, latency_line, load, percentile, server_counters, wait_for_server
from services.common.db import make_engine, transaction
from services.common.migrations import upgrade
from tests.fakes.twilio import FakeTwilio
from tests.support import free_port, live_server

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
TENANT = "bench"
SHOP = "+74950000001"
WEBHOOKS = ("inbound", "wait", "offer-status", "dial-ended", "status")


def serve(database_url: str, port: int, twilio: tuple[str, str, str]) -> None:

    import uvicorn
    from fastapi import FastAPI

    from bench._serve import instrument
    from okno.production import serving
    from services.notify.app import create_app
    from services.notify.settings import NotifySettings
    from services.notify.wiring import build

    account_sid, auth_token, api_url = twilio
    settings = NotifySettings(
        database_url=database_url,
        public_base_url=f"http://127.0.0.1:{port}",
        redis_url=None,
        twilio_account_sid=account_sid,
        twilio_auth_token=auth_token,
        twilio_api_base_url=api_url,
        log_level="WARNING",
    )
    runtime = build(settings)
    runtime.outbox.relay_enabled = False  # nothing consumes the facts here; they stay in the outbox
    times = probe_decisions()
    app: FastAPI = create_app(runtime)
    instrument(app)

    @app.get("/_bench/decisions", include_in_schema=False)
    async def decision_times() -> dict[str, list[float]]:
        return times

    serving(app)  # as okno serve's factories do: what was built to start is out of the collector's reach
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def probe_decisions() -> dict[str, list[float]]:
    """Time the routing decision where notify makes it (the benchmark's probes, in the server process only)."""
    import time as clock

    from services.notify.telephony.inbound import flow, hot
    from services.notify.telephony.voice import Bridge

    decisions: list[float] = []  # inbound.flow._route: reads, lock, rules, offer
    pure: list[float] = []  # routing.decide alone (the rules over the tenant's queue and operators)
    rang: list[float] = []  # the hot path's decisions that rang an operator (the rest told the caller to wait)
    route = flow._route

    def timed_route(*args: Any, **kwargs: Any) -> Any:
        started = clock.perf_counter()
        try:
            return route(*args, **kwargs)
        finally:
            decisions.append(clock.perf_counter() - started)

    flow._route = timed_route  # the benchmark's probes, in its own process only
    rules = flow.decide  # type: ignore[attr-defined]  # the name flow imported, patched where it is used

    def timed_decide(*args: Any, **kwargs: Any) -> Any:
        started = clock.perf_counter()
        try:
            return rules(*args, **kwargs)
        finally:
            pure.append(clock.perf_counter() - started)

    flow.decide = timed_decide  # type: ignore[attr-defined]
    hot_route = hot._route  # the same decision on PostgreSQL's hot path (inbound/hot.py)

    def took(started: float, routed: Any) -> None:
        decisions.append(clock.perf_counter() - started)
        if any(isinstance(step, Bridge) for step in routed[0]):  # rang: BEGIN, try-lock, write, COMMIT after the read
            rang.append(decisions[-1])

    async def timed_hot_route(*args: Any, **kwargs: Any) -> Any:
        started = clock.perf_counter()
        routed = await hot_route(*args, **kwargs)  # a Fallback is timed by flow._route instead
        took(started, routed)
        return routed

    hot._route = timed_hot_route
    hot_queued = hot._route_queued  # the queue loop's decision there

    async def timed_hot_queued(*args: Any, **kwargs: Any) -> Any:
        started = clock.perf_counter()
        routed = await hot_queued(*args, **kwargs)
        took(started, routed)
        return routed

    hot._route_queued = timed_hot_queued
    hot.decide = timed_decide  # type: ignore[attr-defined]
    return {"route": decisions, "rules": pure, "rang": rang}


def prepare(database_url: str, operators: int, callers: int, personal_wait: int) -> list[str]:
    """The projection as order_confirm's messages make it; returns the callers' numbers (even = known)."""
    from contracts.telephony import (
        CoverChanged,
        CustomerRoute,
        CustomerRoutesChanged,
        OperatorPresenceChanged,
        TelephonySettingsChanged,
    )
    from services.notify.telephony import projection

    upgrade("notify", database_url)
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    numbers = [f"+7916{n:07d}" for n in range(1, callers + 1)]
    with transaction(engine) as session:
        projection.apply_settings(
            session,
            TENANT,
            TelephonySettingsChanged(
                revision=1,
                numbers=[SHOP],
                owner_wait_seconds=personal_wait,
                cover_wait_seconds=personal_wait,
                changed_at=now,
            ),
            now=now,
        )
        for operator_id in range(1, operators + 1):
            presence = OperatorPresenceChanged(
                operator_id=operator_id, revision=1, status="available", display_name=f"op{operator_id}", changed_at=now
            )
            projection.apply_presence(session, TENANT, presence, now=now)
            cover = CoverChanged(owner_id=operator_id, cover_id=operator_id % operators + 1, revision=1, changed_at=now)
            projection.apply_cover(session, TENANT, cover)
        known = [
            CustomerRoute(customer_id=n, phone=number, owner_id=n % operators + 1, revision=1)
            for n, number in enumerate(numbers)
            if n % 2 == 0
        ]
        projection.apply_customer_routes(session, TENANT, CustomerRoutesChanged(customers=known, changed_at=now))
    engine.dispose()
    return numbers


class Twilio:
    """The benchmark's side of Twilio: signs each webhook and times it."""

    def __init__(self, port: int, auth_token: str, account_sid: str) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.signer = RequestValidator(auth_token)
        self.account_sid = account_sid
        self.timings: dict[str, list[float]] = defaultdict(list)

    def request(self, url: str, form: dict[str, str]) -> bytes:
        assert url.startswith(self.base), url
        headers = {
            "X-Twilio-Signature": self.signer.compute_signature(url, form),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return build_request("POST", url[len(self.base) :], self.port, headers, raw_body=urlencode(form).encode())

    async def post(self, connection: Connection, name: str, raw: bytes) -> ET.Element | None:
        started = time.perf_counter()
        status, body = await connection.request(raw)
        self.timings[name].append(time.perf_counter() - started)
        if status not in (200, 204):
            raise SystemExit(f"{name}: {status} {body[:300]!r}")
        return ET.fromstring(body) if status == 200 else None


async def one_caller(twilio: Twilio, first: bytes, sid: str, number: str, talk: float, hold: float) -> None:
    connection = Connection(twilio.port)
    caller = {"AccountSid": twilio.account_sid, "CallSid": sid, "From": number, "To": SHOP, "Direction": "inbound"}
    try:
        document = await twilio.post(connection, "inbound", first)
        while document is not None and document.find("Dial") is None:
            redirect = document.findtext("Redirect")
            assert redirect, ET.tostring(document)
            await asyncio.sleep(hold)  # the hold music plays
            document = await twilio.post(
                connection, "wait", twilio.request(redirect, {**caller, "CallStatus": "in-progress"})
            )
        assert document is not None
        dial = document.find("Dial")
        assert dial is not None
        leg_url = dial.find("Client").attrib["statusCallback"]  # type: ignore[union-attr]
        leg = {**caller, "CallSid": "CA" + uuid.uuid4().hex, "CallStatus": "in-progress"}
        await twilio.post(connection, "offer-status", twilio.request(leg_url, leg))
        await asyncio.sleep(talk)
        ended = {**caller, "CallStatus": "in-progress", "DialCallStatus": "completed", "DialCallDuration": "1"}
        await twilio.post(connection, "dial-ended", twilio.request(dial.attrib["action"], ended))
        done = {**caller, "CallStatus": "completed"}
        await twilio.post(connection, "status", twilio.request(f"{twilio.base}/twilio/voice/status", done))
    finally:
        connection.close()


async def burst(twilio: Twilio, callers: list[tuple[bytes, str, str]], talk: float, hold: float) -> None:
    await asyncio.gather(*(one_caller(twilio, first, sid, number, talk, hold) for first, sid, number in callers))


def decisions(port: int) -> dict[str, list[float]]:
    import json
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/decisions", timeout=10) as answer:
        return {name: [float(v) for v in values] for name, values in json.loads(answer.read()).items()}


def measure(args: argparse.Namespace, url: str) -> None:
    numbers = prepare(url, args.operators, args.callers, args.personal_wait)
    fake = FakeTwilio()
    port = free_port()
    with live_server(fake.app) as fake_url:
        twilio = Twilio(port, fake.auth_token, fake.account_sid)
        callers = []
        for number in numbers:
            sid = "CA" + uuid.uuid4().hex
            fake.open_leg(sid)  # Twilio knows the caller's leg: wake-up redirects reach it
            form = {"AccountSid": fake.account_sid, "CallSid": sid, "From": number, "To": SHOP}
            first = twilio.request(f"{twilio.base}/twilio/voice/inbound", {**form, "CallStatus": "ringing"})
            callers.append((first, sid, number))
        context = multiprocessing.get_context("spawn")
        server = context.Process(
            target=serve, args=(url, port, (fake.account_sid, fake.auth_token, fake_url)), daemon=True
        )
        server.start()
        assert server.pid is not None
        try:
            wait_for_server(port, "notify")
            print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {load()}")
            print(f"database: {url.split(':', 1)[0]}; {args.callers} callers at once, {args.operators} operators,")
            print(f"  talk {args.talk} s, hold loop {args.hold} s, owner/cover wait {args.personal_wait} s each")
            counters, cpu = server_counters(port), cpu_seconds(server.pid)
            started = time.perf_counter()
            asyncio.run(burst(twilio, callers, args.talk, args.hold))
            elapsed = time.perf_counter() - started
            cpu, after = cpu_seconds(server.pid) - cpu, server_counters(port)
            routing = decisions(port)
        finally:
            server.terminate()
            server.join(10)
    every = [t for name in WEBHOOKS for t in twilio.timings[name]]
    for name in WEBHOOKS:
        print(f"  {name:<13} {latency_line(twilio.timings[name])}")
    print(f"  {'all':<13} {latency_line(every)}")
    p99 = percentile([s * 1000 for s in routing["route"]], 0.99)
    print(f"  routing decision in notify (reads, line try-lock, rules, offer) {latency_line(routing['route'])}")
    print(f"    goal p99 < 50 ms: {'met' if p99 < 50 else 'MISSED'}; the rules alone {latency_line(routing['rules'])}")
    print(f"    of which rang an operator (hot path) {latency_line(routing['rang'])}")
    hooks = len(every)
    print(
        f"{hooks} webhooks in {elapsed:.1f} s = {hooks / elapsed:.0f}/s; redirects asked of Twilio: {len(fake.updates)}"
    )
    statements, transactions = after.statements - counters.statements, after.transactions - counters.transactions
    print(f"notify per webhook: {cpu / hooks * 1000:.2f} ms CPU, {statements / hooks:.1f} statements,", end=" ")
    print(f"{transactions / hooks:.2f} commits")
    verify(url, args.callers)


def verify(url: str, callers: int) -> None:
    """Every call answered once; no operator had two offers ringing at the same moment."""
    engine = make_engine(url)
    with engine.connect() as connection:
        answered = connection.execute(
            text("SELECT count(*) FROM voice_calls WHERE state = 'ended' AND outcome = 'answered'")
        ).scalar()
        overlaps = connection.execute(
            text(
                "SELECT a.operator_id, a.id, a.offered_at, a.ended_at, b.id, b.offered_at, b.ended_at"
                " FROM voice_call_offers a JOIN voice_call_offers b ON a.operator_id = b.operator_id"
                " AND a.id < b.id AND b.offered_at < a.ended_at AND a.offered_at < b.ended_at"
            )
        ).all()
    overlapping = len(overlaps)
    for overlap in overlaps:  # operator, offer id, offered, ended, then the other offer's
        print("overlapping offers:", tuple(map(str, overlap)))
    engine.dispose()
    assert answered == callers and overlapping == 0, (answered, overlapping)
    print(f"verified: {answered} calls answered once each, no operator rung twice at a time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callers", type=int, default=200)
    parser.add_argument("--operators", type=int, default=20)
    parser.add_argument("--talk", type=float, default=1.0, help="seconds each conversation lasts")
    parser.add_argument("--hold", type=float, default=0.5, help="seconds of hold music between queue loops")
    parser.add_argument("--personal-wait", type=int, default=1, help="owner and cover wait, seconds each")
    parser.add_argument("--quick", action="store_true", help="smoke size: 40 callers, 5 operators")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--sqlite", action="store_true", help="the embedded mode: SQLite")
    args = parser.parse_args()
    if args.quick:
        args.callers, args.operators = 40, 5
    scratch = tempfile.TemporaryDirectory()
    url = (
        f"sqlite:///{Path(scratch.name) / 'bench.db'}"
        if args.sqlite
        else fresh_postgres(args.admin_url, "okno_bench_inbound")
    )
    try:
        measure(args, url)
    finally:
        if not args.sqlite:
            with psycopg.connect(args.admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


if __name__ == "__main__":
    main()
