"""The console's telephony API: the softphone token, click-to-call, hold and hang-up go to notify (a local
notify speaking contracts/http/telephony.py) only after order_confirm authorized the caller; notify's
refusals reach the console with their code, and a notify that is down leaves the attempt open for a
disposition recorded by hand."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from contracts.calls import CallCompleted
from contracts.routing import MessageType
from okno.embedded import Okno
from services.common.db import transaction
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt, AuditEntry
from tests.order_confirm.telephony.facts_support import call_updated, deliver
from tests.order_confirm.telephony.fake_notify import FakeNotify
from tests.order_confirm.telephony.outbox import Outbox as FactsOutbox
from tests.order_confirm.workflow.world import SeededOrder, add_operator, add_order, add_tenant, mint_headers
from tests.support import FrozenClock, free_port, live_server

COMPLETED = MessageType.CALL_COMPLETED.value


@dataclass
class Shop:
    okno: Okno
    api: TestClient
    notify: FakeNotify
    notify_url: str
    tenant_id: int
    anna: int
    order: SeededOrder
    headers: dict[str, dict[str, str]]

    def audit(self, action: str) -> list[AuditEntry]:
        with transaction(self.okno.order_confirm.engine) as session:
            query = select(AuditEntry).where(col(AuditEntry.action) == action).order_by(col(AuditEntry.id))
            return list(session.exec(query))


@pytest.fixture
def shop(frozen_okno: Okno, api: TestClient, clock: FrozenClock) -> Iterator[Shop]:
    runtime = frozen_okno.order_confirm
    engine, now = runtime.engine, clock()
    tenant = add_tenant(engine, "tea", now=now)
    other = add_tenant(engine, "coffee", now=now)
    add_operator(engine, "root", Role.ADMIN, [tenant], now=now)
    sup = add_operator(engine, "sup", Role.SUPERVISOR, [tenant], now=now)
    anna = add_operator(engine, "anna", Role.OPERATOR, [tenant], now=now, supervisor_id=sup)
    add_operator(engine, "boris", Role.OPERATOR, [tenant], now=now, supervisor_id=sup)
    add_operator(engine, "carl", Role.OPERATOR, [other], now=now)
    add_operator(engine, "osup", Role.SUPERVISOR, [other], now=now)
    order = add_order(engine, tenant, anna, now=now, phone="+79161234567")
    headers = {login: mint_headers(runtime, login) for login in ("root", "sup", "anna", "boris", "carl", "osup")}
    settings = {"numbers": ["+74951234567"], "recording": True}
    assert api.put(f"/api/v1/admin/tenants/{tenant}/telephony", json=settings, headers=headers["root"]).is_success
    notify = FakeNotify(runtime.settings.service_token)
    with live_server(notify.app) as url:
        runtime.settings.notify_url = url
        yield Shop(frozen_okno, api, notify, url, tenant, anna, order, headers)


def test_the_softphone_token_is_the_signed_in_operators_and_notifys_refusals_pass_through(shop: Shop) -> None:
    token = shop.api.get("/api/v1/telephony/token", headers=shop.headers["anna"])
    assert token.status_code == 200, token.text
    assert token.json()["identity"] == f"operator_{shop.anna}" and token.json()["provider"] == "sandbox"
    [asked] = shop.notify.requests("POST", "/tokens")
    assert asked.path == "/internal/v1/tenants/tea/telephony/tokens", "the operator's own shop, from the session"
    assert asked.body == {"operator_id": shop.anna, "ttl_seconds": 3600}, "who asks comes from the session only"

    shop.notify.mode = "unconfigured"
    missing = shop.api.get("/api/v1/telephony/token", headers=shop.headers["anna"])
    assert (missing.status_code, missing.json()["code"]) == (503, "capability_not_configured")
    shop.notify.mode = "down"
    down = shop.api.get("/api/v1/telephony/token", headers=shop.headers["anna"])
    assert (down.status_code, down.json()["code"]) == (503, "telephony_unavailable")
    assert down.headers["Retry-After"] == "30", "notify's Retry-After reaches the console"
    assert down.headers["content-type"] == "application/problem+json"
    assert shop.api.get("/api/v1/telephony/token").status_code == 401


def test_no_softphone_token_where_no_shop_calls_through_okno(shop: Shop) -> None:
    """Telephony off: 409 `telephony_disabled` without asking notify (nothing could ring anyway)."""
    carl = shop.api.get("/api/v1/telephony/token", headers=shop.headers["carl"])  # coffee has no telephony
    assert (carl.status_code, carl.json()["code"]) == (409, "telephony_disabled"), carl.text
    off = {"numbers": ["+74951234567"], "enabled": False}
    root = shop.headers["root"]
    assert shop.api.put(f"/api/v1/admin/tenants/{shop.tenant_id}/telephony", json=off, headers=root).is_success
    anna = shop.api.get("/api/v1/telephony/token", headers=shop.headers["anna"])
    assert (anna.status_code, anna.json()["code"]) == (409, "telephony_disabled"), anna.text
    assert shop.notify.requests("POST", "/tokens") == [], "notify is not asked"


def test_click_to_call_starts_the_attempt_and_the_call_once_however_often_it_is_asked(shop: Shop) -> None:
    path = f"/api/v1/orders/{shop.order.order_id}/call"
    first = shop.api.post(path, headers=shop.headers["anna"])
    assert first.status_code == 200, first.text
    call = first.json()["call"]
    assert call["call"]["state"] == "dialing" and call["call"]["operator_id"] == shop.anna
    assert call["connect_params"] == {"call_id": call["call"]["call_id"]}, "what the softphone passes to connect"
    assert first.json()["order"]["status"] == "in_call"
    [asked] = shop.notify.requests("POST", "/calls")
    assert asked.path == "/internal/v1/tenants/tea/telephony/calls"
    assert asked.body == {
        "operator_id": shop.anna,
        "attempt_id": first.json()["attempt"]["id"],
        "order_id": shop.order.order_id,
        "customer_id": shop.order.customer_id,
        "to": "+79161234567",
        "leg": "browser",
        "operator_phone": None,
    }, "the number is the customer's, from order_confirm's own rows"

    again = shop.api.post(path, headers=shop.headers["anna"])
    assert again.status_code == 200, again.text
    assert again.json()["attempt"]["id"] == first.json()["attempt"]["id"]
    assert again.json()["call"]["call"]["call_id"] == call["call"]["call_id"], "a retry gets the same call"
    assert len(shop.notify.calls) == 1
    with transaction(shop.okno.order_confirm.engine) as session:
        assert len(list(session.exec(select(Attempt)))) == 1

    boris = shop.api.post(path, headers=shop.headers["boris"])
    assert boris.status_code == 404, "not boris's customer: notify is never asked"
    assert len(shop.notify.requests("POST", "/calls")) == 2


def test_call_my_phone_first_rings_the_operators_own_number(shop: Shop) -> None:
    line = {"line": "phone", "phone_number": "+7 916 765-43-21"}
    assert shop.api.put("/api/v1/me/telephony-line", json=line, headers=shop.headers["anna"]).is_success
    started = shop.api.post(f"/api/v1/orders/{shop.order.order_id}/call", headers=shop.headers["anna"])
    assert started.status_code == 200, started.text
    [asked] = shop.notify.requests("POST", "/calls")
    assert asked.body is not None
    assert (asked.body["leg"], asked.body["operator_phone"]) == ("phone", "+79167654321")
    assert started.json()["call"]["connect_params"] == {}, "nothing for the browser to connect"


def test_a_shop_without_telephony_starts_the_attempt_as_before(shop: Shop, clock: FrozenClock) -> None:
    engine = shop.okno.order_confirm.engine
    quiet = add_tenant(engine, "quiet", now=clock())
    dora = add_operator(engine, "dora", Role.OPERATOR, [quiet], now=clock())
    order = add_order(engine, quiet, dora, now=clock())
    started = shop.api.post(
        f"/api/v1/orders/{order.order_id}/call", headers=mint_headers(shop.okno.order_confirm, "dora")
    )
    assert started.status_code == 200, started.text
    assert started.json()["call"] is None and started.json()["order"]["status"] == "in_call"
    assert shop.notify.seen == [], "notify is not asked for a shop that dials by hand"


def test_notify_down_answers_503_and_the_attempt_stays_open_for_a_manual_disposition(shop: Shop) -> None:
    shop.okno.order_confirm.settings.notify_url = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    path = f"/api/v1/orders/{shop.order.order_id}/call"
    refused = shop.api.post(path, headers=shop.headers["anna"])
    assert refused.status_code == 503, refused.text
    problem = refused.json()
    assert problem["code"] == "telephony_unavailable" and refused.headers["Retry-After"] == "5"
    assert problem["order_id"] == shop.order.order_id
    with transaction(shop.okno.order_confirm.engine) as session:
        [attempt] = session.exec(select(Attempt)).all()
    assert problem["attempt_id"] == attempt.id and attempt.disposition is None, "the attempt was kept"

    manual = shop.api.post(
        f"/api/v1/orders/{shop.order.order_id}/attempts",
        json={"disposition": "no_answer"},
        headers=shop.headers["anna"],
    )
    assert manual.status_code == 201, manual.text
    assert manual.json()["attempt"]["id"] == attempt.id, "the disposition closes the attempt the call opened"

    shop.notify.mode = "down"  # notify is up, Twilio is not: its own code and Retry-After
    order = add_order(shop.okno.order_confirm.engine, shop.tenant_id, shop.anna, now=shop.okno.order_confirm.clock())
    shop.okno.order_confirm.settings.notify_url = shop.notify_url
    down = shop.api.post(f"/api/v1/orders/{order.order_id}/call", headers=shop.headers["anna"])
    assert (down.status_code, down.json()["code"], down.headers["Retry-After"]) == (503, "telephony_unavailable", "30")
    assert down.json()["attempt_id"] is not None


def _start(shop: Shop) -> str:
    started = shop.api.post(f"/api/v1/orders/{shop.order.order_id}/call", headers=shop.headers["anna"])
    assert started.status_code == 200, started.text
    return str(started.json()["call"]["call"]["call_id"])


def test_hold_and_hang_up_only_by_the_calls_operator_or_for_a_hang_up_a_supervisor(shop: Shop) -> None:
    call_id = _start(shop)
    shop.notify.answer(uuid.UUID(call_id))
    hold = f"/api/v1/calls/{call_id}/hold"
    for stranger in ("boris", "carl", "sup"):
        refused = shop.api.put(hold, json={"on_hold": True}, headers=shop.headers[stranger])
        assert (refused.status_code, refused.json()["code"]) == (404, "call_not_found"), stranger
    assert shop.api.put(hold, json={"on_hold": True}, headers=shop.headers["root"]).status_code == 404
    assert shop.notify.requests("PUT") == [], "notify was never asked to hold for a stranger"

    held = shop.api.put(hold, json={"on_hold": True}, headers=shop.headers["anna"])
    assert held.status_code == 200, held.text
    assert held.json()["on_hold"] is True and held.json()["state"] == "in_progress"
    assert shop.api.put(hold, json={"on_hold": True}, headers=shop.headers["anna"]).status_code == 200
    resumed = shop.api.put(hold, json={"on_hold": False}, headers=shop.headers["anna"])
    assert resumed.json()["on_hold"] is False
    assert [entry.after for entry in shop.audit("call.held")] == [
        {"state": "in_progress", "on_hold": True, "outcome": None}
    ], "a repeated hold is audited once"
    [resume] = shop.audit("call.resumed")
    assert (resume.entity, resume.entity_id, resume.actor_id) == ("call", call_id, shop.anna)

    hangup = f"/api/v1/calls/{call_id}/hangup"
    for stranger in ("boris", "carl", "osup"):
        refused = shop.api.post(hangup, headers=shop.headers[stranger])
        assert (refused.status_code, refused.json()["code"]) == (404, "call_not_found"), stranger
    ended = shop.api.post(hangup, headers=shop.headers["sup"])
    assert ended.status_code == 200, ended.text
    assert (ended.json()["state"], ended.json()["outcome"]) == ("ended", "answered")
    assert shop.api.post(hangup, headers=shop.headers["anna"]).json()["state"] == "ended"
    [hung_up] = shop.audit("call.hung_up")
    assert hung_up.actor == "sup" and hung_up.tenant_id == shop.tenant_id, "the stuck call's supervisor, once"
    over = shop.api.put(hold, json={"on_hold": True}, headers=shop.headers["anna"])
    assert (over.status_code, over.json()["code"]) == (409, "call_ended")

    unknown = shop.api.put(f"/api/v1/calls/{uuid.uuid4()}/hold", json={"on_hold": True}, headers=shop.headers["anna"])
    assert (unknown.status_code, unknown.json()["code"]) == (404, "call_not_found")
    bad = shop.api.put("/api/v1/calls/not-a-uuid/hold", json={"on_hold": True}, headers=shop.headers["anna"])
    assert (bad.status_code, bad.json()["code"]) == (422, "validation_failed")


def test_a_disposition_before_the_first_call_fact_waits_for_the_calls_real_end(shop: Shop) -> None:
    """The attempt is linked to notify's call when the call is made, so a confirmation pressed before any
    `telephony_call.updated` arrived does not send the survey with the button's time: it goes out once, with
    the end Twilio reported."""
    outbox = FactsOutbox(shop.okno.order_confirm.engine)
    started = shop.api.post(f"/api/v1/orders/{shop.order.order_id}/call", headers=shop.headers["anna"])
    assert started.status_code == 200, started.text
    call_id, attempt_id = started.json()["call"]["call"]["call_id"], started.json()["attempt"]["id"]
    with transaction(shop.okno.order_confirm.engine) as session:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None and attempt.call_id == call_id, "linked from notify's answer"

    confirmed = shop.api.post(f"/api/v1/orders/{shop.order.order_id}/confirm", json={}, headers=shop.headers["anna"])
    assert confirmed.status_code == 200, confirmed.text
    assert outbox.new(COMPLETED) == [], "no survey before the call's real end"

    t0 = datetime.fromisoformat(started.json()["attempt"]["started_at"])
    ended = call_updated(
        uuid.UUID(call_id), 5, "outbound", state="ended", outcome="answered", attempt_id=attempt_id,
        order_id=shop.order.order_id, customer_id=shop.order.customer_id, operator_id=shop.anna,
        customer_number="+79161234567", operator_line="browser", offered_at=t0,
        answered_at=t0 + timedelta(seconds=4), ended_at=t0 + timedelta(seconds=64), talk_seconds=60,
    )  # fmt: skip
    deliver(shop.okno.order_confirm, MessageType.TELEPHONY_CALL_UPDATED, "tea", ended)
    [(_, _tenant, payload)] = outbox.new(COMPLETED)
    assert CallCompleted.model_validate(payload).ended_at == t0 + timedelta(seconds=64)
