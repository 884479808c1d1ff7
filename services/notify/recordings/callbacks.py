"""Twilio's recording status callback applied to notify's `voice_recordings` (any order, any number of times).

Twilio reports a recording `in-progress`, then one of `completed`, `absent` (nothing was said) or `failed`,
and may retry or reorder those posts. Each (RecordingSid, status) is applied once: a status only ever moves
a recording forward (`completed` beats everything, a final status beats `in-progress`), so a retry or a late
earlier status changes nothing. `completed` is the only one order_confirm hears about (`recording.available`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from contracts.routing import MessageType
from contracts.telephony import RecordingAvailable, TelephonySettingsChanged
from services.common.db import transaction
from services.common.messaging.outbox import Outbox
from services.notify.runtime import NotifyRuntime
from services.notify.telephony.models import VoiceCall, VoiceRecording, VoiceTenant
from services.notify.telephony.problems import CallNotFound

COMPLETED = "completed"
# How far along each status is; a callback applies only when it moves the recording forward.
_PROGRESS = {"in-progress": 0, "absent": 1, "failed": 1, COMPLETED: 2}
STATUSES = tuple(_PROGRESS)
DEFAULT_RETENTION_DAYS: int = TelephonySettingsChanged.model_fields["retention_days"].default


@dataclass(frozen=True)
class RecordingStatus:
    """The fields of Twilio's recording status callback that notify keeps (never `RecordingUrl`)."""

    recording_sid: str
    status: str  # one of STATUSES
    duration_seconds: int
    channels: int
    started_at: datetime | None


def retention_days(session: Session, tenant: str) -> int:
    """The tenant's `retention_days` from notify's projection of its telephony settings."""
    row = session.get(VoiceTenant, tenant)
    days = row.settings.get("retention_days") if row is not None else None
    return days if isinstance(days, int) and days > 0 else DEFAULT_RETENTION_DAYS


def record_callback(runtime: NotifyRuntime, call_id: str, event: RecordingStatus) -> bool:
    """The webhook's unit of work: True when the callback changed something (False: seen before, or late)."""
    try:
        with transaction(runtime.engine) as session:
            row = apply_recording_status(session, runtime.outbox, call_id, event, runtime.clock())
    except IntegrityError:  # the same recording's first callback, twice at once: the other one stored it
        return False
    return row is not None


def apply_recording_status(
    session: Session, outbox: Outbox, call_id: str, event: RecordingStatus, now: datetime
) -> VoiceRecording | None:
    """Store what the callback says about the call's recording; the row when it changed, None when it was
    a retry or an earlier status arriving late. Publishes `recording.available` on `completed`."""
    call = session.get(VoiceCall, call_id)
    if call is None:
        raise CallNotFound(f"No call {call_id}.")
    row = session.exec(
        select(VoiceRecording).where(col(VoiceRecording.provider_sid) == event.recording_sid).with_for_update()
    ).first()
    if row is not None and (row.call_id != call.id or _PROGRESS[event.status] <= _PROGRESS[row.status]):
        return None
    if row is None:
        row = VoiceRecording(
            id=str(uuid.uuid4()),
            call_id=call.id,
            tenant_id=call.tenant_id,
            provider_sid=event.recording_sid,
            recorded_at=now,
            delete_after=now + timedelta(days=retention_days(session, call.tenant_id)),
            status=event.status,
        )
    row.status = event.status
    row.duration_seconds = event.duration_seconds
    row.channels = event.channels
    row.started_at = event.started_at
    session.add(row)
    session.flush()
    if event.status == COMPLETED:
        outbox.add(session, MessageType.RECORDING_AVAILABLE, call.tenant_id, available(call, row))
    return row


def available(call: VoiceCall, row: VoiceRecording) -> RecordingAvailable:
    return RecordingAvailable(
        recording_id=uuid.UUID(row.id),
        call_id=uuid.UUID(call.id),
        direction=call.direction,
        attempt_id=call.attempt_id,
        order_id=call.order_id,
        customer_id=call.customer_id,
        operator_id=call.operator_id,
        duration_seconds=row.duration_seconds,
        started_at=row.started_at,
        delete_after=row.delete_after,
        recorded_at=row.recorded_at,
    )
