"""Deleting recordings at the provider and in Okno: on order_confirm's request, and by the tenant's retention.

The provider goes first, with no transaction open (a slow Twilio must not hold a connection, and on SQLite
the write lock); only once it said "deleted" (or "never had it") is the row marked and `recording.deleted`
put on the outbox, in one transaction. A provider failure therefore leaves the row as it was, and the next
request or retention run tries again: a recording is never forgotten in Okno while it still exists at Twilio.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import structlog
from sqlalchemy import update
from sqlmodel import Session, col, select

from contracts.routing import MessageType
from contracts.telephony import RecordingDeleted
from services.common.db import transaction
from services.common.messaging.outbox import Outbox
from services.notify.recordings.callbacks import COMPLETED
from services.notify.runtime import NotifyRuntime
from services.notify.telephony import CallRejected, TelephonyUnavailable, webhook_telephony
from services.notify.telephony.models import VoiceRecording
from services.notify.telephony.problems import RecordingNotFound

log = structlog.get_logger(__name__)
DeletedReason = Literal["retention", "requested"]
RETENTION_PAGE = 100


def tenant_recording(session: Session, tenant: str, recording_id: str) -> VoiceRecording:
    """A recording of `tenant` that has audio (completed); another tenant's or one without audio is 404."""
    row = session.get(VoiceRecording, recording_id)
    if row is None or row.tenant_id != tenant or row.status != COMPLETED:
        raise RecordingNotFound(f"No recording {recording_id}.")
    return row


def mark_deleted(session: Session, outbox: Outbox, recording_id: str, reason: DeletedReason, now: datetime) -> bool:
    """Mark the recording deleted and send `recording.deleted`, once: False when it was deleted already."""
    changed = session.execute(
        update(VoiceRecording)
        .where(col(VoiceRecording.id) == recording_id, col(VoiceRecording.deleted_at).is_(None))
        .values(deleted_at=now, deleted_reason=reason)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
        return False
    row = session.get(VoiceRecording, recording_id, populate_existing=True)
    assert row is not None
    message = RecordingDeleted(
        recording_id=uuid.UUID(row.id), call_id=uuid.UUID(row.call_id), reason=reason, deleted_at=now
    )
    outbox.add(session, MessageType.RECORDING_DELETED, row.tenant_id, message)
    return True


def delete_requested(runtime: NotifyRuntime, tenant: str, recording_id: str) -> None:
    """DELETE …/recordings/{id}: at the provider, then in Okno; a deleted one again is fine (204 both times).

    Raises RecordingNotFound, or TelephonyUnavailable when the provider did not delete it (nothing changed)."""
    with transaction(runtime.engine) as session:
        row = tenant_recording(session, tenant, recording_id)
        if row.deleted_at is not None:
            return
        sid = row.provider_sid
    try:
        webhook_telephony(runtime).recordings.delete(sid)
    except CallRejected as error:  # a 4xx other than "not found" (credentials, account): not deleted
        raise TelephonyUnavailable(str(error)) from error
    with transaction(runtime.engine) as session:
        mark_deleted(session, runtime.outbox, recording_id, "requested", runtime.clock())
    log.info("recording.deleted", recording_id=recording_id, tenant=tenant, reason="requested")


@dataclass
class RetentionRun:
    deleted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # still at the provider: the next run tries again


def delete_expired(runtime: NotifyRuntime) -> RetentionRun:
    """The periodic `notify.recording_retention`: every recording past its `delete_after`, page by page."""
    run = RetentionRun()
    now, after = runtime.clock(), ""
    while page := _due(runtime, now, after):
        for recording_id, sid in page:
            _expire(runtime, run, recording_id, sid)
        after = page[-1][0]
    if run.deleted or run.failed:
        log.info("recording.retention_run", deleted=len(run.deleted), failed=len(run.failed))
    return run


def _due(runtime: NotifyRuntime, now: datetime, after: str) -> list[tuple[str, str]]:
    with Session(runtime.engine) as session:
        rows = session.exec(
            select(VoiceRecording.id, VoiceRecording.provider_sid)
            .where(
                col(VoiceRecording.status) == COMPLETED,
                col(VoiceRecording.deleted_at).is_(None),
                col(VoiceRecording.delete_after) <= now,
                col(VoiceRecording.id) > after,
            )
            .order_by(col(VoiceRecording.id))
            .limit(RETENTION_PAGE)
        ).all()
    return [(recording_id, sid) for recording_id, sid in rows]


def _expire(runtime: NotifyRuntime, run: RetentionRun, recording_id: str, sid: str) -> None:
    try:
        webhook_telephony(runtime).recordings.delete(sid)
    except (TelephonyUnavailable, CallRejected) as error:
        log.warning("recording.retention_failed", recording_id=recording_id, error=error.__class__.__name__)
        run.failed.append(recording_id)
        return
    with transaction(runtime.engine) as session:
        if mark_deleted(session, runtime.outbox, recording_id, "retention", runtime.clock()):
            run.deleted.append(recording_id)
