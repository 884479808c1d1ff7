"""A QA evaluator listens to the call while evaluating it, in Chromium: the evaluation page plays the call's
recording through Okno's playback route (from a local notify speaking contracts/http/telephony.py), space
plays and pauses, → and ← seek, and a comment written while listening is pinned to the second being played.
The playback is in the audit log."""

from __future__ import annotations

import io
import math
import re
import uuid
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import col, select

from services.common.db import transaction
from services.order_confirm import app as order_confirm_app
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.models import Attempt, AuditEntry, CallRecording, Tenant
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.settings import OrderConfirmSettings
from tests.browser.test_quality_pages import sign_in
from tests.order_confirm.qa.world import NOW, PASSWORD, Ids, build
from tests.order_confirm.telephony.fake_notify import FakeNotify, Recording
from tests.support import FrozenClock, live_server, sqlite_copy

pytestmark = pytest.mark.browser
SECONDS, RATE = 30, 8000
BLOB = re.compile(r"^blob:")  # fetched with the bearer token, played from memory


def tone() -> bytes:
    """30 s of a quiet 440 Hz tone: a WAV Chromium decodes, long enough to seek in."""
    frames = bytes(128 + int(20 * math.sin(2 * math.pi * 440 * n / RATE)) for n in range(SECONDS * RATE))
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(RATE)
        audio.writeframes(frames)
    return out.getvalue()


@dataclass
class Recorded:
    base_url: str
    runtime: OrderConfirmRuntime
    tenant_id: int
    attempt_id: int
    recording_id: str


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Recorded]:
    url = sqlite_copy(sqlite_template, tmp_path_factory.mktemp("qa-recording"))
    runtime = order_confirm_wiring.build(OrderConfirmSettings(database_url=url), clock=FrozenClock(NOW))
    ids = Ids()
    build(runtime, ids)
    attempt_id, recording_id = ids.calls[4], str(uuid.uuid4())  # anna's 15-minute call
    with transaction(runtime.engine) as session:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        tenant = session.get(Tenant, attempt.tenant_id)
        assert tenant is not None
        slug, tenant_id = tenant.slug, attempt.tenant_id
        session.add(
            CallRecording(
                recording_id=recording_id,
                tenant_id=attempt.tenant_id,
                call_id=str(uuid.uuid4()),
                direction="outbound",
                attempt_id=attempt_id,
                order_id=attempt.order_id,
                operator_id=attempt.operator_id,
                duration_seconds=SECONDS,
                started_at=attempt.started_at,
                recorded_at=attempt.started_at + timedelta(seconds=SECONDS),
            )
        )
    notify = FakeNotify(runtime.settings.service_token)
    notify.recordings[uuid.UUID(recording_id)] = Recording(slug, tone())
    with live_server(notify.app) as notify_url, live_server(order_confirm_app.create_app(runtime)) as base_url:
        runtime.settings.notify_url = notify_url
        yield Recorded(base_url, runtime, tenant_id, attempt_id, recording_id)
    runtime.engine.dispose()


def test_the_evaluator_listens_seeks_by_keyboard_and_pins_a_comment_to_the_second_played(
    browser: Browser, recorded: Recorded
) -> None:
    errors: list[str] = []
    page = sign_in(browser, recorded.base_url, "kira", errors)
    page.evaluate(f"location.hash = '/qa/evaluate/{recorded.attempt_id}'")
    page.get_by_test_id("qa-evaluate").wait_for()
    audio = page.get_by_test_id("qa-audio")
    expect(audio).to_have_attribute("src", BLOB)
    expect(audio).to_have_js_property("duration", SECONDS)

    page.keyboard.press(" ")
    expect(audio).to_have_js_property("paused", False)
    page.keyboard.press(" ")
    expect(audio).to_have_js_property("paused", True)
    stopped_at = audio.evaluate("a => a.currentTime")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(audio).to_have_js_property("seeking", False)
    now_at = audio.evaluate("a => a.currentTime")
    assert now_at == pytest.approx(stopped_at + 10, abs=0.01), "3 × 5 s on, 5 s back"
    position = math.floor(now_at)
    expect(page.get_by_test_id("qa-recording")).to_have_attribute("data-second", str(position))

    page.keyboard.press("c")
    page.keyboard.type("Перебила клиента")
    page.get_by_test_id("qa-comment-text").press("Enter")
    expect(page.get_by_test_id("qa-comments")).to_contain_text("Перебила клиента")
    with transaction(recorded.runtime.engine) as session:
        played = session.exec(select(AuditEntry).where(col(AuditEntry.action) == "recording.played")).all()
    assert [(entry.actor, entry.entity_id) for entry in played] == [("kira", recorded.recording_id)]
    with httpx.Client(base_url=recorded.base_url, timeout=30) as api:
        token = api.post("/api/v1/auth/token", data={"username": "kira", "password": PASSWORD}).json()["access_token"]
        tenant = recorded.tenant_id
        answer = api.get(
            f"/api/v1/qa/tenants/{tenant}/evaluations",
            params={"attempt_id": recorded.attempt_id},
            headers={"Authorization": f"Bearer {token}"},
        )
    [evaluation] = answer.json()
    assert [(c["text"], c["at_seconds"]) for c in evaluation["comments"]] == [("Перебила клиента", position)]
    assert not errors, "\n".join(errors)
