"""The claim (`POST /api/v1/queue/next`) is served by its own handler (api/queue.py `serve_claim`), not by
FastAPI's dependencies: its answers and refusals must still be the ones the rest of the API gives."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from okno.embedded import Okno
from services.common.db import transaction
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Customer, Operator
from services.order_confirm.security.tokens import InvalidToken, VerifiedTokens, issue_access_token
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, login
from tests.support import FrozenClock

CLAIM = "/api/v1/queue/next"
QUEUE = "/api/v1/queue"  # served by FastAPI's dependencies (auth.authenticate, WorkerScope)


def _refusal(answer: Any) -> tuple[int, str, str]:
    assert answer.headers["content-type"] == "application/problem+json"
    return answer.status_code, answer.json()["code"], answer.json()["detail"]


def test_the_claim_answers_the_task_as_the_queue_shows_it_plus_its_lease(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock())
    seeded = add_order(engine, tenant, olga, now=clock() - timedelta(minutes=5), urgent=True)
    with transaction(engine) as session:  # a name that is not ASCII, a phone that did not parse
        values = {"name": "Анна Петровна", "phone_e164": None, "phone_raw": "8 (914) 000"}
        session.execute(update(Customer).where(col(Customer.id) == seeded.customer_id).values(**values))
    tab = login(api, "olga")

    claimed = api.post(CLAIM, headers={**tab, "Idempotency-Key": "tab-1"})

    assert claimed.status_code == 200
    assert claimed.headers["content-type"] == "application/json"
    shown = api.get(QUEUE, headers=tab).json()[0]
    assert claimed.json() == {**shown, "task": {**shown["task"], "lease_key": "tab-1"}}
    assert claimed.json()["customer"] == {**shown["customer"], "name": "Анна Петровна", "phone": "8 (914) 000"}
    assert claimed.json()["order"]["total"] == "5700.00"
    assert claimed.json()["task"]["lease_operator_id"] == olga
    retried = api.post(CLAIM, headers={**tab, "Idempotency-Key": "tab-1"})
    assert retried.json() == claimed.json()
    assert api.post(CLAIM, headers=tab).status_code == 204


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic b2xnYTpwYXNz", "Bearer", "Bearer eyJhbGciOiJub25lIn0.e30.", "bearer not-a-jwt"],
)
def test_a_missing_or_forged_token_is_refused_as_everywhere(
    frozen_okno: Okno, api: TestClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    assert _refusal(api.post(CLAIM, headers=headers)) == _refusal(api.get(QUEUE, headers=headers))
    assert api.post(CLAIM, headers=headers).status_code == 401


def test_an_expired_token_an_ended_login_and_a_disabled_account_are_refused(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock())
    add_operator(engine, "ivan", Role.OPERATOR, [tenant], now=clock())
    add_order(engine, tenant, olga, now=clock() - timedelta(minutes=5))
    olga_tab, ivan_tab = login(api, "olga"), login(api, "ivan")
    assert api.post(CLAIM, headers=ivan_tab).status_code == 204  # ivan's token is verified (and remembered)

    clock.advance(minutes=16)  # past the access token's 15 minutes
    expired = _refusal(api.post(CLAIM, headers=ivan_tab))
    assert expired == _refusal(api.get(QUEUE, headers=ivan_tab))
    assert expired[:2] == (401, "invalid_token") and "expired" in expired[2]

    olga_tab = login(api, "olga")
    assert api.post("/api/v1/auth/logout", headers=olga_tab).status_code == 204
    ended = _refusal(api.post(CLAIM, headers=olga_tab))
    assert ended == _refusal(api.get(QUEUE, headers=olga_tab)) == (401, "invalid_token", ended[2])

    ivan_tab = login(api, "ivan")
    with transaction(engine) as session:
        session.execute(update(Operator).where(col(Operator.login) == "ivan").values(active=False))
    assert _refusal(api.post(CLAIM, headers=ivan_tab))[:2] == (401, "invalid_token")


def test_roles_that_do_not_work_a_queue_get_not_found(frozen_okno: Okno, api: TestClient, clock: FrozenClock) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    add_operator(engine, "mgr", Role.CLIENT_MANAGER, [tenant], now=clock())
    tab = login(api, "mgr")
    assert _refusal(api.post(CLAIM, headers=tab)) == _refusal(api.get(QUEUE, headers=tab))
    assert api.post(CLAIM, headers=tab).status_code == 404


def test_an_idempotency_key_over_64_characters_is_a_validation_error(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock())
    add_order(engine, tenant, olga, now=clock() - timedelta(minutes=5))
    tab = login(api, "olga")

    refused = api.post(CLAIM, headers={**tab, "Idempotency-Key": "k" * 65})

    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_failed"
    assert refused.json()["errors"] == [
        {
            "field": "header.Idempotency-Key",
            "message": "String should have at most 64 characters",
            "type": "string_too_long",
        }
    ]
    assert api.post(CLAIM, headers={**tab, "Idempotency-Key": "k" * 64}).status_code == 200  # nothing was leased


def test_a_remembered_token_still_expires_and_is_read_only_with_its_own_secret(clock: FrozenClock) -> None:
    tokens, now = VerifiedTokens(capacity=2), clock()
    token = issue_access_token(
        secret="s" * 32, operator_id=7, role=Role.OPERATOR, session_id="sid", now=now, lifetime=timedelta(minutes=15)
    )
    assert tokens.read(token, secret="s" * 32, now=now).operator_id == 7
    assert tokens.read(token, secret="s" * 32, now=now + timedelta(minutes=14)).session_id == "sid"
    with pytest.raises(InvalidToken, match="expired"):
        tokens.read(token, secret="s" * 32, now=now + timedelta(minutes=15))
    with pytest.raises(InvalidToken, match="not valid"):
        tokens.read(token, secret="t" * 32, now=now)  # a rotated secret verifies again
    for n in range(3):  # beyond its capacity it forgets, and still answers
        other = issue_access_token(
            secret="s" * 32, operator_id=n, role=Role.OPERATOR, session_id="x", now=now, lifetime=timedelta(minutes=1)
        )
        assert tokens.read(other, secret="s" * 32, now=now).operator_id == n
