"""Live streams wake on change (issue 13): a commit in one API process wakes the stream another serves, an
idle stream sends no SQL, a burst of changes costs one read, the subscriber survives a Redis restart, and a
stream is woken only by changes it shows."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from okno.embedded import Okno, build_okno
from services.common.db import transaction
from services.order_confirm import app as order_confirm_app
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Task
from services.order_confirm.security.tokens import issue_access_token, read_access_token
from services.order_confirm.settings import OrderConfirmSettings
from tests.common.private_redis import PrivateRedis
from tests.order_confirm.console.live import Event, Replica, next_event, quiet, replica_with_streams, streams_to
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers
from tests.support import live_server

# Subprocesses, restarts or long waits: scheduled first (tests/conftest.py).
pytestmark = pytest.mark.slow

# Freshness (a change shows within a second) is measured by bench/console_events.py, not asserted here: with
# the safety poll 600 s away, an event arriving at all within next_event's wait proves the wake-up delivered it.
FLOOR_SECONDS = 0.5
COALESCE_SECONDS = OrderConfirmSettings.model_fields["events_coalesce_seconds"].default
# No safety poll within a test: every read a test sees was woken by the commit that made it.
REPLICA = {"events_safety_poll_seconds": "600", "events_floor_seconds": str(FLOOR_SECONDS)}


def test_a_claim_and_a_confirmation_through_one_api_process_reach_a_stream_served_by_another(
    service: Okno, client: httpx.Client, database_url: str, redis_url: str, broker_namespace: str
) -> None:
    engine, now = service.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    op1 = add_operator(engine, "op1", Role.OPERATOR, [tenant], now=now)
    order = add_order(engine, tenant, op1, now=now)
    me = mint_headers(service.order_confirm, "op1")
    ref = {"task_id": order.task_id, "order_id": order.order_id}

    with replica_with_streams(database_url, redis_url, broker_namespace, **REPLICA) as (replica, streams):
        mine = streams.open(me)
        assert next_event(mine)[0] == "ready"
        replica.settled_statements()  # the subscriber's first (re)subscription re-reads every stream

        claimed = client.post("/api/v1/queue/next", headers=me)  # the claim: a Core write on the async engine
        assert claimed.status_code == 200, claimed.text
        name, data, _ = next_event(mine)
        assert (name, data["changed"]) == ("queue", [ref])  # the lease shows

        confirmed = client.post(
            f"/api/v1/orders/{order.order_id}/confirm",
            json={"channel": "sms", "reason": "Replied YES to the order text"},  # no call: one change only
            headers=me,
        )
        assert confirmed.status_code == 200, confirmed.text
        name, data, _ = next_event(mine)
        assert (name, data["removed"]) == ("queue", [ref])


def test_an_idle_stream_sends_no_sql_and_a_burst_of_changes_costs_one_read(
    service: Okno, database_url: str, redis_url: str, broker_namespace: str
) -> None:
    engine, now = service.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    sup = add_operator(engine, "sup", Role.SUPERVISOR, [tenant], now=now)
    logins = [f"op{n}" for n in range(5)]
    operators = {
        login: add_operator(engine, login, Role.OPERATOR, [tenant], now=now, supervisor_id=sup) for login in logins
    }

    with replica_with_streams(database_url, redis_url, broker_namespace, **REPLICA) as (replica, streams):
        opened = {login: streams.open(mint_headers(service.order_confirm, login)) for login in [*logins, "sup"]}
        for events in opened.values():
            assert next_event(events)[0] == "ready"
        idle_from = replica.settled_statements()
        assert quiet(opened["op0"], 2.0) == []
        assert replica.statements() == idle_from, "idle streams sent SQL"

        # One order for op0 costs one read of op0's queue and one of the supervisor's floor.
        single = add_order(engine, tenant, operators["op0"], now=now)
        assert next_event(opened["op0"])[1]["added"] == [{"task_id": single.task_id, "order_id": single.order_id}]
        time.sleep(FLOOR_SECONDS)  # the floor may read again at once
        before = replica.settled_statements()
        cost_of_one = before - idle_from

        # Ten orders committed one after another: op0's stream reads far fewer than ten times, and what it
        # reports covers all ten. (The replica runs with the default coalescing settings.) A stream reads at
        # most once per coalescing period, so a burst that a loaded machine stretches over several periods
        # may cost a read per period: the bound follows the burst's own length, 3 reads for a quick one.
        burst_started = time.monotonic()
        burst = [add_order(engine, tenant, operators["op0"], now=now) for _ in range(10)]
        periods = (time.monotonic() - burst_started) / COALESCE_SECONDS
        added: list[dict[str, int]] = []
        while len(added) < len(burst):
            name, data, _ = next_event(opened["op0"])
            assert name == "queue"
            added += data["added"]
        assert sorted(ref["task_id"] for ref in added) == sorted(order.task_id for order in burst)
        cost_of_burst = replica.settled_statements() - before
        assert cost_of_burst <= max(3, 2 + int(periods)) * cost_of_one, (cost_of_burst, cost_of_one, periods)
        for login in logins[1:]:
            assert quiet(opened[login], 0.1) == []  # nothing of op0's reached the others


def test_a_stream_is_woken_only_by_changes_it_shows(
    service: Okno, database_url: str, redis_url: str, broker_namespace: str
) -> None:
    """Operator A's changes never make B's stream (or the floor of B's supervisor) even read. Proven by the
    statements the replica sends: a change for A costs the same whether or not B's streams are open."""
    engine, now = service.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    sup1 = add_operator(engine, "sup1", Role.SUPERVISOR, [tenant], now=now)
    sup2 = add_operator(engine, "sup2", Role.SUPERVISOR, [tenant], now=now)
    op_a = add_operator(engine, "opa", Role.OPERATOR, [tenant], now=now, supervisor_id=sup1)
    op_b = add_operator(engine, "opb", Role.OPERATOR, [tenant], now=now, supervisor_id=sup2)

    def cost_of_a_change(replica: Replica, watching_a: dict[str, queue.Queue[Event]]) -> int:
        before = replica.settled_statements()
        order = add_order(engine, tenant, op_a, now=now)
        assert next_event(watching_a["opa"])[1]["added"] == [{"task_id": order.task_id, "order_id": order.order_id}]
        assert next_event(watching_a["sup1"])[0] == "floor"
        return replica.settled_statements() - before

    with replica_with_streams(database_url, redis_url, broker_namespace, **REPLICA) as (replica, streams):
        opened = {login: streams.open(mint_headers(service.order_confirm, login)) for login in ("opa", "sup1")}
        assert next_event(opened["opa"])[0] == "ready" and next_event(opened["sup1"])[0] == "ready"
        alone = cost_of_a_change(replica, opened)

        for login in ("opb", "sup2"):
            opened[login] = streams.open(mint_headers(service.order_confirm, login))
            assert next_event(opened[login])[0] == "ready"
        assert cost_of_a_change(replica, opened) == alone
        assert quiet(opened["opb"], 0.3) == [] and quiet(opened["sup2"], 0.1) == []

        b_order = add_order(engine, tenant, op_b, now=now)  # and the other way round
        assert next_event(opened["opb"])[1]["added"] == [{"task_id": b_order.task_id, "order_id": b_order.order_id}]
        assert next_event(opened["sup2"])[0] == "floor"
        assert quiet(opened["opa"], 0.3) == [] and quiet(opened["sup1"], 0.1) == []


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


def test_after_a_redis_restart_the_subscriber_reconnects_and_streams_catch_up(
    postgres_database_url: str, private_redis: PrivateRedis
) -> None:
    okno = build_okno(database_url=postgres_database_url, redis_url=private_redis.url, migrate=False)
    okno.order_confirm.settings.events_safety_poll_seconds = 600
    engine, now = okno.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    op1 = add_operator(engine, "op1", Role.OPERATOR, [tenant], now=now)
    with live_server(order_confirm_app.create_app(okno.order_confirm)) as base_url, streams_to(base_url) as streams:
        mine = streams.open(mint_headers(okno.order_confirm, "op1"))
        assert next_event(mine)[0] == "ready"
        assert quiet(mine, 1.0) == []  # the subscriber is listening and the stream has re-read once

        private_redis.stop()
        missed = add_order(engine, tenant, op1, now=now)  # its wake-up is lost: nobody can hear it
        assert quiet(mine, 0.5) == []
        private_redis.start()
        # The subscriber comes back on its own and every stream re-reads: the missed change arrives.
        name, data, _ = next_event(mine, timeout=15)
        assert (name, data["added"]) == ("queue", [{"task_id": missed.task_id, "order_id": missed.order_id}])

        fresh = add_order(engine, tenant, op1, now=now)  # and wake-ups flow again
        name, data, _ = next_event(mine)
        assert (name, data["added"]) == ("queue", [{"task_id": fresh.task_id, "order_id": fresh.order_id}])
    engine.dispose()


def test_without_redis_a_commit_on_another_thread_wakes_the_stream_in_process(database_url: str) -> None:
    """The embedded mode (`okno run`): the same wake-ups, fanned out inside the process."""
    okno = build_okno(database_url=database_url, redis_url="", migrate=False)
    okno.order_confirm.settings.events_safety_poll_seconds = 600
    engine, now = okno.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    op1 = add_operator(engine, "op1", Role.OPERATOR, [tenant], now=now)
    add_operator(engine, "op2", Role.OPERATOR, [tenant], now=now)
    with live_server(order_confirm_app.create_app(okno.order_confirm)) as base_url, streams_to(base_url) as streams:
        mine, theirs = (streams.open(mint_headers(okno.order_confirm, login)) for login in ("op1", "op2"))
        assert next_event(mine)[0] == "ready" and next_event(theirs)[0] == "ready"
        order = add_order(engine, tenant, op1, now=now)
        name, data, _ = next_event(mine)
        assert (name, data["added"]) == ("queue", [{"task_id": order.task_id, "order_id": order.order_id}])
        assert quiet(theirs, 0.3) == []

        metrics = httpx.get(f"{base_url}/metrics").text  # what this process's streams are doing
        assert "okno_live_streams 2.0" in metrics
        assert _sample(metrics, "okno_live_stream_wakeups_total") >= 1
        assert _sample(metrics, "okno_live_stream_reads_total") >= 3  # two first reads and op1's wake-up
    engine.dispose()


def _sample(metrics: str, name: str) -> float:
    return float(next(line.split()[1] for line in metrics.splitlines() if line.startswith(name + " ")))


def test_an_idle_stream_ends_with_reauth_when_its_access_token_expires(service: Okno, client: httpx.Client) -> None:
    """No change and no poll is needed for that: the stream's own timer fires at the token's expiry."""
    runtime, now = service.order_confirm, datetime.now(UTC)
    tenant = add_tenant(runtime.engine, "tea", now=now)
    add_operator(runtime.engine, "op1", Role.OPERATOR, [tenant], now=now)
    login_session = mint_headers(runtime, "op1")["Authorization"].removeprefix("Bearer ")
    claims = read_access_token(login_session, secret=runtime.settings.jwt_secret, now=now)
    short = issue_access_token(
        secret=runtime.settings.jwt_secret,
        operator_id=claims.operator_id,
        role=claims.role,
        session_id=claims.session_id,
        now=runtime.clock(),
        lifetime=timedelta(seconds=3),
    )
    with streams_to(str(client.base_url)) as streams:
        mine = streams.open({"Authorization": f"Bearer {short}"})
        assert next_event(mine)[0] == "ready"
        name, data, _ = next_event(mine, timeout=15)
        assert name == "reauth" and "expired" in data["detail"]
        assert next_event(mine)[0] == "closed"


def test_a_bulk_statement_nobody_described_wakes_every_stream_of_its_tenant(
    service: Okno, client: httpx.Client
) -> None:
    """A `session.execute(update(Task)...)` cannot say whose queue it changed: every stream re-reads rather
    than miss it."""
    engine, now = service.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    op1 = add_operator(engine, "op1", Role.OPERATOR, [tenant], now=now)
    order = add_order(engine, tenant, op1, now=now)
    with streams_to(str(client.base_url)) as streams:
        mine = streams.open(mint_headers(service.order_confirm, "op1"))
        assert next_event(mine)[0] == "ready"
        assert quiet(mine, 1.0) == []
        with transaction(engine) as session:
            session.execute(update(Task).where(col(Task.tenant_id) == tenant).values(priority=col(Task.priority) + 5))
        name, data, _ = next_event(mine)
        assert (name, data["changed"]) == ("queue", [{"task_id": order.task_id, "order_id": order.order_id}])
