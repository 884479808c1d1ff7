"""notify wired to the local Twilio for recordings: a call row to record, signed recording callbacks, and
readers of what notify sent order_confirm (`recording.available` / `recording.deleted` on its outbox)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from contracts.routing import MessageType
from contracts.telephony import RecordingAvailable, RecordingDeleted
from services.common.db import transaction
from services.common.messaging.broker import make_broker
from services.notify.app import create_app
from services.notify.models import OutboxMessage
from services.notify.recordings.urls import recording_callback_url
from services.notify.runtime import NotifyRuntime
from services.notify.settings import NotifySettings
from services.notify.telephony.models import VoiceCall, VoiceRecording, VoiceTenant
from services.notify.wiring import build
from tests.fakes.twilio import FakeTwilio
from tests.support import FrozenClock

TENANT = "shop"
PUBLIC_BASE_URL = "https://okno.example.com/notify"
SERVICE = {"Authorization": "Bearer okno-dev-service-token"}


def audio_path(recording_id: str, tenant: str = TENANT) -> str:
    return f"/internal/v1/tenants/{tenant}/telephony/recordings/{recording_id}/audio"


def recording_path(recording_id: str, tenant: str = TENANT) -> str:
    return f"/internal/v1/tenants/{tenant}/telephony/recordings/{recording_id}"


def add_call(runtime: NotifyRuntime, tenant: str = TENANT, *, retention_days: int | None = 30, **fields: Any) -> str:
    """A finished outbound call of `tenant` (as the call modules leave it), and the tenant's settings row."""
    now = runtime.clock()
    call_id = str(uuid.uuid4())
    values: dict[str, Any] = {"attempt_id": 11, "order_id": 22, "customer_id": 33, "operator_id": 44}
    values.update(fields)
    with transaction(runtime.engine) as session:
        if retention_days is not None and session.get(VoiceTenant, tenant) is None:
            settings = {"revision": 1, "recording": True, "retention_days": retention_days}
            session.add(VoiceTenant(tenant_id=tenant, revision=1, settings=settings, updated_at=now))
        session.add(
            VoiceCall(
                id=call_id,
                tenant_id=tenant,
                direction="outbound",
                state="ended",
                provider_call_sid="CA" + uuid.uuid4().hex,
                offered_at=now,
                updated_at=now,
                **values,
            )
        )
    return call_id


def callback_form(
    account_sid: str, recording_sid: str, status: str, duration: int, started: datetime
) -> dict[str, str]:
    """Twilio's recording status callback fields (as documented, `RecordingUrl` included)."""
    return {
        "AccountSid": account_sid,
        "CallSid": "CA" + "0" * 32,
        "RecordingSid": recording_sid,
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{account_sid}/Recordings/{recording_sid}",
        "RecordingStatus": status,
        "RecordingDuration": str(duration),
        "RecordingChannels": "2",
        "RecordingStartTime": format_datetime(started, usegmt=True),
        "RecordingSource": "DialVerb",
        "ErrorCode": "0",
    }


@dataclass
class RecordingDesk:
    runtime: NotifyRuntime
    http: TestClient
    twilio: FakeTwilio

    def callback(
        self, call_id: str, recording_sid: str, status: str = "completed", duration: int = 42
    ) -> httpx.Response:
        """Twilio posts the recording status, signed with the account's auth token over the public URL."""
        url = recording_callback_url(PUBLIC_BASE_URL, call_id)
        form = callback_form(self.twilio.account_sid, recording_sid, status, duration, self.runtime.clock())
        signature = RequestValidator(self.twilio.auth_token).compute_signature(url, form)
        signed = {"X-Twilio-Signature": str(signature)}
        response: httpx.Response = self.http.post(url[len(PUBLIC_BASE_URL) :], data=form, headers=signed)
        return response

    def recorded(self, size: int = 1000, tenant: str = TENANT) -> tuple[str, str]:
        """A call whose recording Twilio stored and reported: (recording_id, RecordingSid)."""
        call_id = add_call(self.runtime, tenant)
        sid = self.twilio.add_recording(size)
        assert self.callback(call_id, sid).status_code == 204
        return self.recording_by_sid(sid).id, sid

    def recording_by_sid(self, sid: str) -> VoiceRecording:
        with Session(self.runtime.engine) as session:
            row = session.exec(select(VoiceRecording).where(VoiceRecording.provider_sid == sid)).one()
            return row

    def recording(self, recording_id: str) -> VoiceRecording:
        with Session(self.runtime.engine) as session:
            row = session.get(VoiceRecording, recording_id)
            assert row is not None
            return row

    def available(self) -> list[RecordingAvailable]:
        return announced(self.runtime)

    def deleted(self) -> list[RecordingDeleted]:
        return deletions(self.runtime)


def announced(runtime: NotifyRuntime) -> list[RecordingAvailable]:
    """Every `recording.available` notify committed to its outbox for order_confirm."""
    return [RecordingAvailable.model_validate(p) for p in _payloads(runtime, MessageType.RECORDING_AVAILABLE)]


def deletions(runtime: NotifyRuntime) -> list[RecordingDeleted]:
    return [RecordingDeleted.model_validate(p) for p in _payloads(runtime, MessageType.RECORDING_DELETED)]


def _payloads(runtime: NotifyRuntime, message_type: MessageType) -> list[dict[str, Any]]:
    with Session(runtime.engine) as session:
        rows = session.exec(
            select(OutboxMessage).where(OutboxMessage.message_type == message_type.value).order_by(OutboxMessage.id)  # type: ignore[arg-type]
        ).all()
    return [json.loads(json.dumps(row.envelope))["payload"] for row in rows]


@contextmanager
def recording_desk(
    database_url: str, twilio: FakeTwilio, twilio_url: str, clock: FrozenClock
) -> Iterator[RecordingDesk]:
    settings = NotifySettings(
        database_url=database_url,
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token=twilio.auth_token,
        twilio_from_number="+15005550006",
        twilio_api_base_url=twilio_url,
        public_base_url=PUBLIC_BASE_URL,
    )
    runtime = build(settings, broker=make_broker(None), clock=clock)
    runtime.outbox.relay_enabled = False  # the messages are read from the outbox itself
    with TestClient(create_app(runtime)) as http:
        yield RecordingDesk(runtime, http, twilio)
    runtime.engine.dispose()
