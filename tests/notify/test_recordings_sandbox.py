"""The sandbox records too (issue 14): a recorded sandbox call gets a generated WAV at the sandbox's
Twilio-REST-speaking endpoint, its recording callback is posted like Twilio's, and playback, Range, deletion
and retention run the production code (`TwilioRecordings` over real HTTP) against it."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from services.common.messaging.broker import make_broker
from services.notify.app import create_app
from services.notify.recordings.deletion import delete_expired
from services.notify.runtime import NotifyRuntime
from services.notify.settings import NotifySettings
from services.notify.simulator.recordings import post_sandbox_recording
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.recordings import BYTES_PER_SECOND, HEADER_SIZE
from services.notify.wiring import build
from tests.notify.recording_support import SERVICE, add_call, announced, audio_path, deletions, recording_path
from tests.support import FrozenClock, free_port, live_server, run_coroutine


@dataclass
class Sandbox:
    runtime: NotifyRuntime
    app: FastAPI
    http: httpx.Client

    def record(self, seconds: int) -> str | None:
        call_id = add_call(self.runtime)
        started = self.runtime.clock()
        return run_coroutine(post_sandbox_recording(self.app, self.runtime, call_id, "CA" + "5" * 32, seconds, started))


@pytest.fixture
def sandbox(database_url: str, clock: FrozenClock) -> Iterator[Sandbox]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    runtime = build(
        NotifySettings(database_url=database_url, sandbox=True, public_base_url=base),
        broker=make_broker(None),
        clock=clock,
    )
    runtime.outbox.relay_enabled = False
    app = create_app(runtime)
    with live_server(app, port=port), httpx.Client(base_url=base, timeout=30) as http:
        yield Sandbox(runtime, app, http)
    runtime.engine.dispose()


def test_a_recorded_sandbox_call_plays_a_generated_wav_with_ranges(sandbox: Sandbox) -> None:
    sid = sandbox.record(3)
    assert sid is not None
    [message] = announced(sandbox.runtime)
    assert message.duration_seconds == 3
    assert message.delete_after == sandbox.runtime.clock() + timedelta(days=30)  # the tenant's retention
    recording_id = str(message.recording_id)
    size = HEADER_SIZE + 3 * BYTES_PER_SECOND

    whole = sandbox.http.get(audio_path(recording_id), headers=SERVICE)
    assert (whole.status_code, whole.headers["content-type"], len(whole.content)) == (200, "audio/wav", size)
    with wave.open(io.BytesIO(whole.content)) as audio:
        assert (audio.getnchannels(), audio.getframerate(), audio.getnframes()) == (2, 8000, 3 * 8000)
        assert len(set(audio.readframes(800))) > 10  # a tone, not silence

    for header, first, last in (
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, size - 1),
        ("bytes=-50", size - 50, size - 1),
    ):
        part = sandbox.http.get(audio_path(recording_id), headers={**SERVICE, "Range": header})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert part.content == whole.content[first : last + 1]
    outside = sandbox.http.get(audio_path(recording_id), headers={**SERVICE, "Range": f"bytes={size}-"})
    assert (outside.status_code, outside.headers["content-range"]) == (416, f"bytes */{size}")


def test_a_sandbox_call_with_no_talk_reports_an_absent_recording(sandbox: Sandbox) -> None:
    assert sandbox.record(0) is None
    assert announced(sandbox.runtime) == []


def test_deleting_a_sandbox_recording_deletes_it_at_the_sandbox_provider(sandbox: Sandbox) -> None:
    sid = sandbox.record(2)
    [message] = announced(sandbox.runtime)
    recording_id = str(message.recording_id)
    assert sandbox.http.delete(recording_path(recording_id), headers=SERVICE).status_code == 204
    credentials = sandbox_credentials(sandbox.runtime.engine)
    media = f"/sandbox/twilio/2010-04-01/Accounts/{credentials.account_sid}/Recordings/{sid}.wav"
    gone = sandbox.http.get(media, auth=(credentials.account_sid, credentials.auth_token))
    assert (gone.status_code, gone.json()["code"]) == (404, 20404)
    assert [m.reason for m in deletions(sandbox.runtime)] == ["requested"]


def test_sandbox_retention_runs_the_production_path(sandbox: Sandbox, clock: FrozenClock) -> None:
    sandbox.record(2)
    clock.advance(days=31)
    run = delete_expired(sandbox.runtime)
    assert len(run.deleted) == 1 and run.failed == []
    [message] = deletions(sandbox.runtime)
    assert message.reason == "retention"
    answer = sandbox.http.get(audio_path(str(message.recording_id)), headers=SERVICE)
    assert answer.status_code == 404


def test_the_sandbox_media_endpoint_wants_the_sandbox_account(sandbox: Sandbox) -> None:
    sid = sandbox.record(1)
    credentials = sandbox_credentials(sandbox.runtime.engine)
    media = f"/sandbox/twilio/2010-04-01/Accounts/{credentials.account_sid}/Recordings/{sid}.wav"
    for auth in (None, (credentials.account_sid, "wrong"), ("AC" + "0" * 32, credentials.auth_token)):
        answer = sandbox.http.get(media, auth=auth) if auth else sandbox.http.get(media)
        assert (answer.status_code, answer.json()["code"]) == (401, 20003)
    assert sandbox.http.get(media, auth=(credentials.account_sid, credentials.auth_token)).status_code == 200
