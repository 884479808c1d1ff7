"""The console's telephony API against notify itself (its internal endpoints, in the sandbox), both services
on one database and the real broker, as in `okno run`: the settings reach notify through the routing
projection, the operator's token and click-to-call come from notify, a retry gets the same call, notify's
own refusals reach the console with their code, the operator hangs up, and notify's facts come back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, select

from okno.embedded import MOUNTS, Okno
from services.common.db import transaction
from services.notify import app as notify_app
from services.notify.simulator.recordings import post_sandbox_recording
from services.order_confirm import app as order_confirm_app
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import AuditEntry, CallRecording, OutboundCall, Tenant
from tests.order_confirm.workflow.world import SeededOrder, add_operator, add_order, add_tenant, mint_headers
from tests.support import live_server, run_coroutine, wait_until


@dataclass
class Served:
    url: str
    notify: FastAPI  # notify's own app (mounted at /notify), where the sandbox posts Twilio's callbacks


@pytest.fixture
def served(okno: Okno) -> Iterator[Served]:
    app, notify = FastAPI(), notify_app.create_app(okno.notify)
    app.mount(MOUNTS["notify"], notify)
    app.mount("/", order_confirm_app.create_app(okno.order_confirm))
    with live_server(app) as url:
        okno.order_confirm.settings.notify_url = f"{url}/notify"
        okno.notify.settings.public_base_url = f"{url}/notify"
        yield Served(url, notify)


def _shop(okno: Okno) -> tuple[int, SeededOrder, dict[str, dict[str, str]]]:
    """A shop, its admin, supervisor and two operators; anna owns an order; the admin switches telephony on."""
    runtime = okno.order_confirm
    now = runtime.clock()
    shop = add_tenant(runtime.engine, "tea", now=now)
    add_operator(runtime.engine, "root", Role.ADMIN, [shop], now=now)
    sup = add_operator(runtime.engine, "sup", Role.SUPERVISOR, [shop], now=now)
    anna = add_operator(runtime.engine, "anna", Role.OPERATOR, [shop], now=now, supervisor_id=sup)
    add_operator(runtime.engine, "boris", Role.OPERATOR, [shop], now=now, supervisor_id=sup)
    order = add_order(runtime.engine, shop, anna, now=now, phone="+79161234567")
    return anna, order, {login: mint_headers(runtime, login) for login in ("root", "sup", "anna", "boris")}


def _start(api: httpx.Client, order: SeededOrder, headers: dict[str, str]) -> httpx.Response:
    """notify hears of the shop's number through the projection (a message): until then it refuses, and
    asking again is safe — the same attempt each time."""

    def start() -> httpx.Response | None:
        answer = api.post(f"/api/v1/orders/{order.order_id}/call", headers=headers)
        return answer if answer.status_code == 200 else None

    started = wait_until(start, timeout=30, message="notify knows the shop's number")
    assert started is not None
    return started


def _telephony_on(api: httpx.Client, okno: Okno, headers: dict[str, str], *, recording: bool) -> None:
    with transaction(okno.order_confirm.engine) as session:
        [shop] = session.exec(select(Tenant.id)).all()
    settings = {"numbers": ["+74951234567"], "recording": recording}
    assert api.put(f"/api/v1/admin/tenants/{shop}/telephony", json=settings, headers=headers).is_success


def test_click_to_call_through_notify_then_the_operator_hangs_up(okno: Okno, served: Served) -> None:
    runtime = okno.order_confirm
    anna, order, headers = _shop(okno)
    with httpx.Client(base_url=served.url, timeout=30) as api:
        _telephony_on(api, okno, headers["root"], recording=False)
        token = api.get("/api/v1/telephony/token", headers=headers["anna"])
        assert token.status_code == 200, token.text
        assert (token.json()["identity"], token.json()["provider"]) == (f"operator_{anna}", "sandbox")

        path = f"/api/v1/orders/{order.order_id}/call"
        started = _start(api, order, headers["anna"])
        call = started.json()["call"]["call"]
        assert (call["state"], call["operator_id"], call["attempt_id"]) == (
            "dialing",
            anna,
            started.json()["attempt"]["id"],
        )
        assert started.json()["call"]["connect_params"] == {"call_id": call["call_id"]}
        again = api.post(path, headers=headers["anna"])
        assert again.json()["call"]["call"]["call_id"] == call["call_id"], "notify answers the same call"

        hold = f"/api/v1/calls/{call['call_id']}/hold"
        early = api.put(hold, json={"on_hold": True}, headers=headers["anna"])
        assert (early.status_code, early.json()["code"]) == (409, "call_not_answered"), "notify's own refusal"
        stranger = api.post(f"/api/v1/calls/{call['call_id']}/hangup", headers=headers["boris"])
        assert (stranger.status_code, stranger.json()["code"]) == (404, "call_not_found")

        ended = api.post(f"/api/v1/calls/{call['call_id']}/hangup", headers=headers["anna"])
        assert ended.status_code == 200, ended.text
        assert (ended.json()["state"], ended.json()["outcome"]) == ("ended", "canceled")

    with transaction(runtime.engine) as session:
        [hung_up] = session.exec(select(AuditEntry).where(col(AuditEntry.action) == "call.hung_up")).all()
    assert (hung_up.actor_id, hung_up.entity_id) == (anna, call["call_id"])

    def reported() -> OutboundCall | None:
        with transaction(runtime.engine) as session:
            row = session.get(OutboundCall, call["call_id"])
            return row if row is not None and row.state == "ended" else None

    fact = wait_until(reported, timeout=30, message="notify's telephony_call.updated reached order_confirm")
    assert fact is not None
    assert (fact.attempt_id, fact.operator_id, fact.outcome) == (started.json()["attempt"]["id"], anna, "canceled")


def test_a_recorded_call_plays_through_okno_with_ranges_and_a_supervisor_deletes_it(okno: Okno, served: Served) -> None:
    """notify's sandbox records the call (a generated WAV behind its Twilio-REST-speaking endpoint); its
    `recording.available` reaches order_confirm, and the console plays and deletes it through Okno."""
    anna, order, headers = _shop(okno)
    with httpx.Client(base_url=served.url, timeout=30) as api:
        _telephony_on(api, okno, headers["root"], recording=True)
        call_id = _start(api, order, headers["anna"]).json()["call"]["call"]["call_id"]
        assert api.post(f"/api/v1/calls/{call_id}/hangup", headers=headers["anna"]).status_code == 200
        started = okno.notify.clock()
        recorded = post_sandbox_recording(served.notify, okno.notify, call_id, "CA" + "7" * 32, 3, started)
        assert run_coroutine(recorded) is not None

        def linked() -> CallRecording | None:
            with transaction(okno.order_confirm.engine) as session:
                return session.exec(select(CallRecording).where(col(CallRecording.call_id) == call_id)).first()

        recording = wait_until(linked, timeout=30, message="recording.available reached order_confirm")
        assert recording is not None and recording.operator_id == anna
        listed = api.get(f"/api/v1/calls/{call_id}/recordings", headers=headers["anna"])
        assert [r["recording_id"] for r in listed.json()] == [recording.recording_id]
        audio = f"/api/v1/recordings/{recording.recording_id}/audio"

        whole = api.get(audio, headers=headers["anna"])
        assert (whole.status_code, whole.headers["content-type"]) == (200, "audio/wav"), whole.text
        size = len(whole.content)
        assert whole.headers["content-length"] == str(size) and whole.content[:4] == b"RIFF"
        part = api.get(audio, headers={**headers["anna"], "Range": "bytes=0-99"})
        assert (part.status_code, part.content) == (206, whole.content[:100])
        assert part.headers["content-range"] == f"bytes 0-99/{size}"
        tail = api.get(audio, headers={**headers["anna"], "Range": "bytes=-50"})
        assert (tail.status_code, tail.content) == (206, whole.content[-50:])
        beyond = api.get(audio, headers={**headers["anna"], "Range": f"bytes={size}-"})
        assert (beyond.status_code, beyond.json()["code"]) == (416, "range_not_satisfiable")
        assert beyond.headers["content-range"] == f"bytes */{size}"
        assert api.get(audio, headers=headers["boris"]).status_code == 404, "another operator's call"
        assert api.get(audio, headers=headers["sup"]).status_code == 200, "the tenant's supervisor"

        assert api.delete(f"/api/v1/recordings/{recording.recording_id}", headers=headers["anna"]).status_code == 404
        assert api.delete(f"/api/v1/recordings/{recording.recording_id}", headers=headers["sup"]).status_code == 204
        gone = api.get(audio, headers=headers["sup"])
        assert (gone.status_code, gone.json()["code"]) == (404, "recording_not_found")
    with transaction(okno.order_confirm.engine) as session:
        actions = session.exec(select(AuditEntry.action, AuditEntry.actor).where(col(AuditEntry.entity) == "recording"))
        assert sorted(actions) == [
            ("recording.deleted", "sup"),
            ("recording.played", "anna"),
            ("recording.played", "sup"),
        ]
