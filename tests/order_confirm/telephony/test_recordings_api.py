"""Recording playback through Okno: only who may hear a call hears it (operators their own, supervisors, QA,
the shop's client manager and admins their tenant's, anyone else 404), Range requests are relayed with their
answers (200, 206, 416), nothing of the provider leaks, the audio is streamed as it arrives, each listener
is audited, and supervisors delete recordings at notify."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from contracts.telephony import RecordingDeleted
from okno.embedded import Okno
from services.common.db import transaction
from services.order_confirm import app as order_confirm_app
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import AuditEntry, CallRecording, OutboundCall
from services.order_confirm.telephony.recordings import apply_recording_deleted
from tests.order_confirm.telephony.fake_notify import FakeNotify, Recording
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers
from tests.support import FrozenClock, live_server

AUDIO = bytes(range(256)) * 40  # 10 240 bytes: three chunks of the fake's stream


@dataclass
class Library:
    okno: Okno
    api: TestClient
    notify: FakeNotify
    call_id: str
    recording_id: str
    other_recording_id: str
    tenant_id: int
    anna: int
    headers: dict[str, dict[str, str]]

    def audio(self, who: str, recording_id: str | None = None, byte_range: str | None = None) -> httpx.Response:
        headers = {**self.headers[who], **({"Range": byte_range} if byte_range else {})}
        answer: httpx.Response = self.api.get(
            f"/api/v1/recordings/{recording_id or self.recording_id}/audio", headers=headers
        )
        return answer

    def audit(self, action: str) -> list[AuditEntry]:
        with transaction(self.okno.order_confirm.engine) as session:
            query = select(AuditEntry).where(col(AuditEntry.action) == action).order_by(col(AuditEntry.id))
            return list(session.exec(query))


def _recorded(okno: Okno, tenant_id: int, operator_id: int, order_id: int | None, now: datetime) -> tuple[str, str]:
    """A call and its recording as `recording.available` leaves them in order_confirm."""
    call_id, recording_id = str(uuid.uuid4()), str(uuid.uuid4())
    with transaction(okno.order_confirm.engine) as session:
        session.add(
            CallRecording(
                recording_id=recording_id,
                tenant_id=tenant_id,
                call_id=call_id,
                direction="outbound",
                order_id=order_id,
                operator_id=operator_id,
                duration_seconds=64,
                started_at=now,
                recorded_at=now + timedelta(seconds=64),
                delete_after=now + timedelta(days=90),
            )
        )
    return call_id, recording_id


@pytest.fixture
def library(frozen_okno: Okno, api: TestClient, clock: FrozenClock) -> Iterator[Library]:
    runtime = frozen_okno.order_confirm
    engine, now = runtime.engine, clock()
    tenant, other = add_tenant(engine, "tea", now=now), add_tenant(engine, "coffee", now=now)
    sup = add_operator(engine, "sup", Role.SUPERVISOR, [tenant], now=now)
    anna = add_operator(engine, "anna", Role.OPERATOR, [tenant], now=now, supervisor_id=sup)
    add_operator(engine, "boris", Role.OPERATOR, [tenant], now=now, supervisor_id=sup)
    add_operator(engine, "quality", Role.QA, [tenant], now=now)
    add_operator(engine, "shop", Role.CLIENT_MANAGER, [tenant], now=now)
    add_operator(engine, "root", Role.ADMIN, [tenant], now=now)
    add_operator(engine, "osup", Role.SUPERVISOR, [other], now=now)
    carl = add_operator(engine, "carl", Role.OPERATOR, [other], now=now)
    order = add_order(engine, tenant, anna, now=now)
    call_id, recording_id = _recorded(frozen_okno, tenant, anna, order.order_id, now)
    _other_call, other_recording = _recorded(frozen_okno, other, carl, None, now)
    logins = ("sup", "anna", "boris", "quality", "shop", "root", "osup", "carl")
    headers = {login: mint_headers(runtime, login) for login in logins}
    notify = FakeNotify(runtime.settings.service_token)
    notify.recordings[uuid.UUID(recording_id)] = Recording("tea", AUDIO)
    notify.recordings[uuid.UUID(other_recording)] = Recording("coffee", AUDIO[:100])
    with live_server(notify.app) as url:
        runtime.settings.notify_url = url
        yield Library(frozen_okno, api, notify, call_id, recording_id, other_recording, tenant, anna, headers)


def test_playback_relays_range_requests_and_their_answers(library: Library) -> None:
    whole = library.audio("anna")
    assert whole.status_code == 200, whole.text
    assert whole.content == AUDIO and whole.headers["content-type"] == "audio/wav"
    assert (whole.headers["accept-ranges"], whole.headers["content-length"]) == ("bytes", str(len(AUDIO)))
    assert "x-twilio-request" not in whole.headers, "only the range headers of notify's answer are relayed"

    first = library.audio("anna", byte_range="bytes=0-99")
    assert first.status_code == 206, first.text
    assert first.content == AUDIO[:100] and first.headers["content-range"] == f"bytes 0-99/{len(AUDIO)}"
    assert first.headers["content-length"] == "100"
    rest = library.audio("anna", byte_range="bytes=10000-")
    assert (rest.status_code, rest.content) == (206, AUDIO[10000:])
    assert rest.headers["content-range"] == f"bytes 10000-{len(AUDIO) - 1}/{len(AUDIO)}"
    tail = library.audio("anna", byte_range="bytes=-50")
    assert (tail.status_code, tail.content) == (206, AUDIO[-50:])

    beyond = library.audio("anna", byte_range=f"bytes={len(AUDIO) + 10}-")
    assert beyond.status_code == 416, beyond.text
    assert beyond.json()["code"] == "range_not_satisfiable"
    assert beyond.headers["content-range"] == f"bytes */{len(AUDIO)}"
    assert [seen.range for seen in library.notify.requests("GET", "/audio")] == [
        None,
        "bytes=0-99",
        "bytes=10000-",
        "bytes=-50",
        f"bytes={len(AUDIO) + 10}-",
    ], "the browser's Range reaches notify as it was sent"


def test_only_who_may_hear_a_call_hears_it_and_each_listener_is_audited(library: Library, clock: FrozenClock) -> None:
    for listener in ("anna", "sup", "quality", "shop", "root"):
        heard = library.audio(listener, byte_range="bytes=0-9")
        assert (heard.status_code, heard.content) == (206, AUDIO[:10]), listener
    for stranger in ("boris", "osup", "carl"):
        refused = library.audio(stranger)
        assert (refused.status_code, refused.json()["code"]) == (404, "recording_not_found"), stranger
    assert library.audio("anna", library.other_recording_id).status_code == 404, "another tenant's recording"
    assert library.audio("anna", str(uuid.uuid4())).status_code == 404
    assert library.audio("carl", library.other_recording_id).status_code == 200, "carl's own call"
    assert len(library.notify.requests("GET", "/audio")) == 6, "notify is asked only for who may hear it"

    for _ in range(3):  # a player seeking
        assert library.audio("anna", byte_range="bytes=100-199").status_code == 206
    played = [(entry.actor, entry.entity_id) for entry in library.audit("recording.played")]
    expected = ["anna", "sup", "quality", "shop", "root", "carl"]
    assert [actor for actor, _ in played] == expected, "once per listener, however often they seek"
    assert {entity_id for actor, entity_id in played if actor != "carl"} == {library.recording_id}

    clock.advance(minutes=31)
    library.headers["anna"] = mint_headers(library.okno.order_confirm, "anna")  # the old token expired
    assert library.audio("anna", byte_range="bytes=0-9").status_code == 206
    assert [entry.actor for entry in library.audit("recording.played")].count("anna") == 2, "a later listen counts"


def test_a_calls_recordings_are_listed_for_who_may_hear_them(library: Library, clock: FrozenClock) -> None:
    path = f"/api/v1/calls/{library.call_id}/recordings"
    listed = library.api.get(path, headers=library.headers["anna"])
    assert listed.status_code == 200, listed.text
    [recording] = listed.json()
    assert recording["recording_id"] == library.recording_id and recording["duration_seconds"] == 64
    assert recording["audio_url"] == f"/api/v1/recordings/{library.recording_id}/audio", "Okno's URL, no other"
    assert library.api.get(path, headers=library.headers["quality"]).json() == listed.json()
    for stranger in ("boris", "osup"):
        refused = library.api.get(path, headers=library.headers[stranger])
        assert (refused.status_code, refused.json()["code"]) == (404, "call_not_found"), stranger

    quiet_call = str(uuid.uuid4())  # anna's call that has no recording (yet)
    with transaction(library.okno.order_confirm.engine) as session:
        session.add(
            OutboundCall(
                call_id=quiet_call,
                tenant_id=library.tenant_id,
                revision=1,
                operator_id=library.anna,
                state="ended",
                offered_at=clock(),
                updated_at=clock(),
            )
        )
    assert library.api.get(f"/api/v1/calls/{quiet_call}/recordings", headers=library.headers["anna"]).json() == []
    assert (
        library.api.get(f"/api/v1/calls/{quiet_call}/recordings", headers=library.headers["boris"]).status_code == 404
    )


def test_supervisors_delete_a_recording_at_notify_once(library: Library) -> None:
    path = f"/api/v1/recordings/{library.recording_id}"
    for refused_to in ("anna", "quality", "shop", "osup"):
        refused = library.api.delete(path, headers=library.headers[refused_to])
        assert refused.status_code == 404, refused_to
    assert library.notify.requests("DELETE") == []

    assert library.api.delete(path, headers=library.headers["sup"]).status_code == 204
    assert library.api.delete(path, headers=library.headers["root"]).status_code == 204, "again: 204"
    [deleted] = library.notify.requests("DELETE")
    assert deleted.path == f"/internal/v1/tenants/tea/telephony/recordings/{library.recording_id}"
    [entry] = library.audit("recording.deleted")
    assert (entry.actor, entry.entity_id, entry.after) == ("sup", library.recording_id, {"deleted_reason": "requested"})
    with transaction(library.okno.order_confirm.engine) as session:
        row = session.get(CallRecording, library.recording_id)
        assert row is not None and row.deleted_reason == "requested" and row.deleted_at is not None
    gone = library.audio("sup")
    assert (gone.status_code, gone.json()["code"]) == (404, "recording_not_found")
    assert library.api.get(f"/api/v1/calls/{library.call_id}/recordings", headers=library.headers["sup"]).json() == []


def test_a_deletion_whose_recording_deleted_fact_arrives_first_is_still_audited_once(library: Library) -> None:
    """notify publishes `recording.deleted` as it deletes; the worker may apply it before notify's answer
    reaches the request that asked: the supervisor's deletion is audited all the same, and only once."""

    def fact_first(recording_id: uuid.UUID) -> None:
        fact = RecordingDeleted(
            recording_id=recording_id,
            call_id=uuid.UUID(library.call_id),
            reason="requested",
            deleted_at=datetime.now(UTC),
        )
        with transaction(library.okno.order_confirm.engine) as session:
            assert apply_recording_deleted(session, "tea", fact)

    library.notify.on_delete = fact_first
    path = f"/api/v1/recordings/{library.recording_id}"
    assert library.api.delete(path, headers=library.headers["sup"]).status_code == 204
    assert library.api.delete(path, headers=library.headers["root"]).status_code == 204, "again: 204"
    [entry] = library.audit("recording.deleted")
    assert (entry.actor, entry.entity_id, entry.after) == ("sup", library.recording_id, {"deleted_reason": "requested"})


def test_audio_is_streamed_as_notify_sends_it_not_gathered_first(library: Library) -> None:
    """The fake sends its first chunk and then waits: the browser must already have those bytes."""
    library.notify.hold_back = threading.Event()
    try:
        with live_server(order_confirm_app.create_app(library.okno.order_confirm)) as url:
            headers = library.headers["anna"]
            with httpx.stream("GET", f"{url}/api/v1/recordings/{library.recording_id}/audio", headers=headers) as got:
                assert got.status_code == 200
                chunks = got.iter_bytes()
                received = next(chunks)
                assert AUDIO.startswith(received) and len(received) <= len(AUDIO) - 1
                library.notify.hold_back.set()  # only now does notify send the rest
                received += b"".join(chunks)
        assert received == AUDIO
    finally:
        library.notify.hold_back.set()
