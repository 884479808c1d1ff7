"""Operators read their own survey ratings; nobody can write or delete them through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from contracts.calls import SurveyAnswered
from services.common.db import transaction
from services.common.messaging.broker import make_broker
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.app import create_app
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service.surveys import record_survey_result
from services.order_confirm.settings import OrderConfirmSettings
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers
from tests.support import FrozenClock


@pytest.fixture
def desk(database_url: str, clock: FrozenClock) -> Iterator[tuple[OrderConfirmRuntime, TestClient]]:
    runtime = order_confirm_wiring.build(
        OrderConfirmSettings(database_url=database_url), broker=make_broker(None), clock=clock
    )
    runtime.outbox.relay_enabled = False
    with TestClient(create_app(runtime)) as http:
        yield runtime, http
    runtime.engine.dispose()


def surveyed_call(runtime: OrderConfirmRuntime, tenant_id: int, operator_id: int, **result: object) -> int:
    """An attempt by `operator_id`, then the survey result arriving from notify for it."""
    now = runtime.clock()
    order = add_order(runtime.engine, tenant_id, operator_id, now=now)
    with transaction(runtime.engine) as session:
        attempt = Attempt(
            tenant_id=tenant_id,
            order_id=order.order_id,
            operator_id=operator_id,
            started_at=now - timedelta(minutes=5),
            ended_at=now,
            disposition="confirmed",
        )
        session.add(attempt)
        session.flush()
        assert attempt.id is not None
        answer = SurveyAnswered(
            attempt_id=attempt.id,
            order_id=order.order_id,
            customer_id=order.customer_id,
            operator_id=operator_id,
            finished_at=now,
            **result,
        )
        record_survey_result(session, runtime.outbox, "shop", answer, now=now)
        return attempt.id


def test_an_operator_sees_their_own_ratings_and_nobody_elses(
    desk: tuple[OrderConfirmRuntime, TestClient], clock: FrozenClock
) -> None:
    runtime, http = desk
    tenant = add_tenant(runtime.engine, "shop", now=clock())
    oleg = add_operator(runtime.engine, "oleg", Role.OPERATOR, [tenant], now=clock())
    irina = add_operator(runtime.engine, "irina", Role.OPERATOR, [tenant], now=clock())
    surveyed_call(runtime, tenant, oleg, status="completed", csat=5, nps=10)
    clock.advance(hours=1)
    surveyed_call(runtime, tenant, oleg, status="partial", csat=3)
    clock.advance(hours=1)
    surveyed_call(runtime, tenant, oleg, status="completed", csat=4, nps=6)
    surveyed_call(runtime, tenant, oleg, status="no_answer")  # no rating: not listed
    surveyed_call(runtime, tenant, irina, status="completed", csat=1, nps=0)

    mine = http.get("/api/v1/me/ratings", headers=mint_headers(runtime, "oleg"))
    assert mine.status_code == 200
    body = mine.json()
    assert (body["surveys"], body["average_csat"], body["nps_score"]) == (3, 4.0, 0.0)
    assert [(r["csat"], r["nps"]) for r in body["ratings"]] == [(4, 6), (3, None), (5, 10)]

    theirs = http.get("/api/v1/me/ratings", headers=mint_headers(runtime, "irina")).json()
    assert [(r["csat"], r["nps"]) for r in theirs["ratings"]] == [(1, 0)]
    assert http.get("/api/v1/me/ratings").status_code == 401


def test_ratings_cannot_be_changed_or_deleted(desk: tuple[OrderConfirmRuntime, TestClient], clock: FrozenClock) -> None:
    runtime, http = desk
    tenant = add_tenant(runtime.engine, "shop", now=clock())
    oleg = add_operator(runtime.engine, "oleg", Role.OPERATOR, [tenant], now=clock())
    attempt_id = surveyed_call(runtime, tenant, oleg, status="completed", csat=1, nps=2)
    headers = mint_headers(runtime, "oleg")
    for method in ("put", "patch", "delete", "post"):
        response = http.request(method, "/api/v1/me/ratings", headers=headers, json={"csat": 5, "nps": 10})
        assert response.status_code == 405
    # A second result for the same attempt (a replay with a new message id) does not overwrite the first.
    with transaction(runtime.engine) as session:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        again = SurveyAnswered(
            attempt_id=attempt_id,
            order_id=attempt.order_id,
            customer_id=1,
            operator_id=oleg,
            status="completed",
            csat=5,
            nps=10,
            finished_at=clock(),
        )
        record_survey_result(session, runtime.outbox, "shop", again, now=clock())
    [rating] = http.get("/api/v1/me/ratings", headers=headers).json()["ratings"]
    assert (rating["csat"], rating["nps"]) == (1, 2)
