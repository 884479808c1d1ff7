"""Recordings (issue 14): Twilio's recording status callback, audio streamed with HTTP Range through notify,
deletion on request and by retention — against a local Twilio REST fake, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.fakes.twilio import FakeTwilio
from tests.notify.recording_support import (
    SERVICE,
    RecordingDesk,
    add_call,
    audio_path,
    recording_desk,
    recording_path,
)
from tests.support import FrozenClock


@pytest.fixture
def desk(database_url: str, twilio_server: tuple[FakeTwilio, str], clock: FrozenClock) -> Iterator[RecordingDesk]:
    twilio, url = twilio_server
    twilio.failures.clear()
    twilio.recording_deletes.clear()
    twilio.media_ranges.clear()
    twilio.ignore_range = False
    with recording_desk(database_url, twilio, url, clock) as instance:
        yield instance


# --- the recording status callback ---------------------------------------------------------------------------


def test_a_completed_recording_is_stored_and_announced_with_the_call_s_ids(desk: RecordingDesk) -> None:
    call_id = add_call(desk.runtime, attempt_id=5, order_id=6, customer_id=7, operator_id=8)
    sid = desk.twilio.add_recording()

    assert desk.callback(call_id, sid, duration=42).status_code == 204

    row = desk.recording_by_sid(sid)
    now = desk.runtime.clock()
    assert (row.call_id, row.tenant_id, row.status, row.duration_seconds, row.channels) == (
        call_id,
        "shop",
        "completed",
        42,
        2,
    )
    assert row.delete_after == now + timedelta(days=30)  # the tenant's retention_days
    [message] = desk.available()
    assert str(message.recording_id) == row.id and str(message.call_id) == call_id
    assert (message.direction, message.attempt_id, message.order_id, message.customer_id, message.operator_id) == (
        "outbound",
        5,
        6,
        7,
        8,
    )
    assert (message.duration_seconds, message.recorded_at, message.delete_after) == (42, now, row.delete_after)
    assert message.started_at == now.replace(microsecond=0)  # RecordingStartTime has whole seconds


def test_retried_and_late_callbacks_change_nothing(desk: RecordingDesk) -> None:
    call_id = add_call(desk.runtime)
    sid = desk.twilio.add_recording()
    for status in ("completed", "completed", "in-progress", "absent", "failed", "completed"):
        assert desk.callback(call_id, sid, status).status_code == 204
    assert desk.recording_by_sid(sid).status == "completed"
    assert len(desk.available()) == 1


def test_an_earlier_status_arriving_first_is_overtaken_by_completed(desk: RecordingDesk) -> None:
    call_id = add_call(desk.runtime)
    sid = desk.twilio.add_recording()
    assert desk.callback(call_id, sid, "in-progress", duration=0).status_code == 204
    assert desk.available() == []
    assert desk.callback(call_id, sid, "completed", duration=9).status_code == 204
    assert desk.callback(call_id, sid, "in-progress", duration=0).status_code == 204
    row = desk.recording_by_sid(sid)
    assert (row.status, row.duration_seconds) == ("completed", 9)
    assert [m.duration_seconds for m in desk.available()] == [9]


@pytest.mark.parametrize("status", ["absent", "failed"])
def test_absent_or_failed_is_recorded_without_a_message_and_has_no_audio(desk: RecordingDesk, status: str) -> None:
    call_id = add_call(desk.runtime)
    sid = "RE" + uuid.uuid4().hex
    assert desk.callback(call_id, sid, status, duration=0).status_code == 204
    row = desk.recording_by_sid(sid)
    assert row.status == status
    assert desk.available() == []
    answer = desk.http.get(audio_path(row.id), headers=SERVICE)
    assert (answer.status_code, answer.json()["code"]) == (404, "recording_not_found")


def test_a_tenant_without_settings_keeps_recordings_for_the_default_retention(desk: RecordingDesk) -> None:
    call_id = add_call(desk.runtime, "other-shop", retention_days=None)
    sid = desk.twilio.add_recording()
    assert desk.callback(call_id, sid).status_code == 204
    assert desk.recording_by_sid(sid).delete_after == desk.runtime.clock() + timedelta(days=90)


def test_an_unsigned_or_forged_callback_is_refused_and_changes_nothing(desk: RecordingDesk) -> None:
    call_id = add_call(desk.runtime)
    url = f"/twilio/voice/calls/{call_id}/recording"
    form = {"RecordingSid": "RE" + "1" * 32, "RecordingStatus": "completed", "RecordingDuration": "5"}
    for headers in ({}, {"X-Twilio-Signature": "forged"}):
        answer = desk.http.post(url, data=form, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (403, "twilio_signature_invalid")
    assert desk.available() == []


def test_a_callback_for_an_unknown_call_or_without_a_recording_sid_is_refused(desk: RecordingDesk) -> None:
    unknown = desk.callback(str(uuid.uuid4()), desk.twilio.add_recording())
    assert (unknown.status_code, unknown.json()["code"]) == (404, "call_not_found")
    invalid = desk.callback(add_call(desk.runtime), "not-a-recording-sid")
    assert (invalid.status_code, invalid.json()["code"]) == (422, "validation_failed")
    assert desk.available() == []


# --- audio with Range -------------------------------------------------------------------------------------


def media(desk: RecordingDesk, sid: str) -> bytes:
    return desk.twilio.recordings[sid]


def test_the_whole_recording_streams_with_its_length_and_no_provider_url(desk: RecordingDesk) -> None:
    recording_id, sid = desk.recorded(size=1000)
    answer = desk.http.get(audio_path(recording_id), headers=SERVICE)
    assert answer.status_code == 200
    assert answer.content == media(desk, sid)
    assert answer.headers["content-type"] == "audio/mpeg"
    assert (answer.headers["accept-ranges"], answer.headers["content-length"]) == ("bytes", "1000")
    assert "content-range" not in answer.headers
    assert "twilio" not in str(answer.headers).lower()
    assert desk.twilio.media_ranges == [None]


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, 999), ("bytes=-50", 950, 999), ("bytes=990-5000", 990, 999)],
)
@pytest.mark.parametrize("provider_ranges", [True, False], ids=["provider-206", "provider-200"])
def test_a_range_is_answered_206_with_exactly_those_bytes(
    desk: RecordingDesk, header: str, first: int, last: int, provider_ranges: bool
) -> None:
    desk.twilio.ignore_range = not provider_ranges  # a media server that ignores Range: notify cuts the file
    recording_id, sid = desk.recorded(size=1000)
    answer = desk.http.get(audio_path(recording_id), headers={**SERVICE, "Range": header})
    assert answer.status_code == 206
    assert answer.content == media(desk, sid)[first : last + 1]
    assert answer.headers["content-range"] == f"bytes {first}-{last}/1000"
    assert answer.headers["content-length"] == str(last - first + 1)
    assert answer.headers["accept-ranges"] == "bytes"
    assert desk.twilio.media_ranges == [header]  # the range went on to the provider


@pytest.mark.parametrize("provider_ranges", [True, False], ids=["provider-416", "provider-200"])
@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_outside_the_recording_is_416_with_its_size(
    desk: RecordingDesk, header: str, provider_ranges: bool
) -> None:
    desk.twilio.ignore_range = not provider_ranges
    recording_id, _ = desk.recorded(size=1000)
    answer = desk.http.get(audio_path(recording_id), headers={**SERVICE, "Range": header})
    assert answer.status_code == 416
    assert answer.headers["content-range"] == "bytes */1000"
    assert answer.json()["code"] == "range_not_satisfiable"


@pytest.mark.parametrize("header", ["bytes=abc", "items=0-9", "bytes=9-1", "bytes=0-1,5-9", "bytes=-"])
def test_a_range_we_do_not_understand_is_ignored_and_the_whole_file_served(desk: RecordingDesk, header: str) -> None:
    recording_id, sid = desk.recorded(size=300)
    answer = desk.http.get(audio_path(recording_id), headers={**SERVICE, "Range": header})
    assert (answer.status_code, answer.content) == (200, media(desk, sid))
    assert desk.twilio.media_ranges == [None]  # nothing was asked of the provider but the file


def test_another_tenant_s_recording_is_not_found(desk: RecordingDesk) -> None:
    recording_id, _ = desk.recorded()
    for answer in (
        desk.http.get(audio_path(recording_id, tenant="other-shop"), headers=SERVICE),
        desk.http.delete(recording_path(recording_id, tenant="other-shop"), headers=SERVICE),
        desk.http.get(audio_path(str(uuid.uuid4())), headers=SERVICE),
    ):
        assert (answer.status_code, answer.json()["code"]) == (404, "recording_not_found")
    assert desk.twilio.media_ranges == [] and desk.twilio.recording_deletes == []


def test_the_internal_recording_routes_need_the_service_token(desk: RecordingDesk) -> None:
    recording_id, _ = desk.recorded()
    assert desk.http.get(audio_path(recording_id)).status_code == 401
    assert desk.http.delete(recording_path(recording_id), headers={"Authorization": "Bearer x"}).status_code == 401


def test_the_provider_down_is_503_with_retry_after(desk: RecordingDesk) -> None:
    recording_id, _ = desk.recorded()
    desk.twilio.failures.append((503, 20500))
    answer = desk.http.get(audio_path(recording_id), headers=SERVICE)
    assert (answer.status_code, answer.json()["code"]) == (503, "telephony_unavailable")
    assert int(answer.headers["retry-after"]) > 0


# --- deletion on request ----------------------------------------------------------------------------------


def test_delete_removes_it_at_the_provider_and_in_okno_once(desk: RecordingDesk) -> None:
    recording_id, sid = desk.recorded()
    assert desk.http.delete(recording_path(recording_id), headers=SERVICE).status_code == 204
    assert desk.twilio.recording_deletes == [sid] and sid not in desk.twilio.recordings
    row = desk.recording(recording_id)
    assert (row.deleted_at, row.deleted_reason) == (desk.runtime.clock(), "requested")
    [message] = desk.deleted()
    assert (str(message.recording_id), message.reason, str(message.call_id)) == (recording_id, "requested", row.call_id)

    assert desk.http.delete(recording_path(recording_id), headers=SERVICE).status_code == 204  # again: 204
    assert len(desk.deleted()) == 1 and desk.twilio.recording_deletes == [sid]
    answer = desk.http.get(audio_path(recording_id), headers=SERVICE)
    assert (answer.status_code, answer.json()["code"]) == (404, "recording_not_found")


def test_delete_when_the_provider_already_lost_it_still_deletes_in_okno(desk: RecordingDesk) -> None:
    recording_id, sid = desk.recorded()
    del desk.twilio.recordings[sid]  # gone at Twilio (deleted in its console): 404 there is what we wanted
    assert desk.http.delete(recording_path(recording_id), headers=SERVICE).status_code == 204
    assert [m.reason for m in desk.deleted()] == ["requested"]


def test_delete_failing_at_the_provider_changes_nothing_and_can_be_asked_again(desk: RecordingDesk) -> None:
    recording_id, sid = desk.recorded()
    desk.twilio.failures.append((500, 20500))
    answer = desk.http.delete(recording_path(recording_id), headers=SERVICE)
    assert (answer.status_code, answer.json()["code"]) == (503, "telephony_unavailable")
    assert desk.recording(recording_id).deleted_at is None and desk.deleted() == []
    assert desk.http.delete(recording_path(recording_id), headers=SERVICE).status_code == 204
    assert len(desk.deleted()) == 1 and sid not in desk.twilio.recordings


# --- retention --------------------------------------------------------------------------------------------


def test_retention_deletes_what_is_past_delete_after_at_the_provider_and_announces_it(
    desk: RecordingDesk, clock: FrozenClock
) -> None:
    from services.notify.recordings.deletion import delete_expired

    old_id, old_sid = desk.recorded()
    clock.advance(days=10)
    young_id, young_sid = desk.recorded()
    clock.advance(days=25)  # the old one is 35 days old, the young one 25 (retention: 30 days)

    run = delete_expired(desk.runtime)

    assert (run.deleted, run.failed) == ([old_id], [])
    assert desk.twilio.recording_deletes == [old_sid]
    assert young_sid in desk.twilio.recordings
    [message] = desk.deleted()
    assert (str(message.recording_id), message.reason, message.deleted_at) == (old_id, "retention", clock())
    assert desk.recording(old_id).deleted_reason == "retention"
    assert desk.recording(young_id).deleted_at is None
    assert delete_expired(desk.runtime).deleted == []  # nothing left to do: no second DELETE, no message
    assert desk.twilio.recording_deletes == [old_sid] and len(desk.deleted()) == 1


def test_retention_after_a_provider_failure_keeps_the_row_and_succeeds_next_run(
    desk: RecordingDesk, clock: FrozenClock
) -> None:
    from services.notify.recordings.deletion import delete_expired

    first_id, first_sid = desk.recorded()
    second_id, second_sid = desk.recorded()
    clock.advance(days=31)
    desk.twilio.failures.append((503, 20500))  # Twilio fails the first DELETE of this run

    run = delete_expired(desk.runtime)
    assert len(run.failed) == 1 and len(run.deleted) == 1
    [failed_id] = run.failed
    assert desk.recording(failed_id).deleted_at is None
    assert [str(m.recording_id) for m in desk.deleted()] == run.deleted

    clock.advance(hours=1)
    retry = delete_expired(desk.runtime)
    assert (retry.deleted, retry.failed) == ([failed_id], [])
    assert {str(m.recording_id) for m in desk.deleted()} == {first_id, second_id}
    assert first_sid not in desk.twilio.recordings and second_sid not in desk.twilio.recordings


def test_the_retention_job_is_on_notify_s_schedule(desk: RecordingDesk) -> None:
    from services.notify.schedule import periodic_jobs

    [job] = [job for job in periodic_jobs(desk.runtime) if job.name == "notify.recording_retention"]
    assert job.interval_seconds == desk.runtime.settings.recording_retention_seconds


def test_a_production_notify_has_no_sandbox_recordings_endpoint(desk: RecordingDesk) -> None:
    _, sid = desk.recorded()
    media = f"/sandbox/twilio/2010-04-01/Accounts/{desk.twilio.account_sid}/Recordings/{sid}.wav"
    auth = (desk.twilio.account_sid, desk.twilio.auth_token)
    assert desk.http.get(media, auth=auth).status_code == 404
    assert desk.http.delete(media.replace(".wav", ".json"), auth=auth).status_code == 404


def test_the_dial_s_recording_status_callback_is_this_webhook() -> None:
    """The inbound and outbound `<Dial record>` name the URL this callback is served at."""
    from services.notify.recordings.urls import recording_callback_url
    from services.notify.telephony.inbound.urls import recording_url
    from services.notify.telephony.outbound.urls import call_url

    call_id = str(uuid.uuid4())
    expected = f"https://okno.example.com/notify/twilio/voice/calls/{call_id}/recording"
    base = "https://okno.example.com/notify/"
    assert recording_callback_url(base, call_id) == recording_url(base, call_id) == call_url(base, call_id, "recording")
    assert recording_callback_url(base, call_id) == expected
