"""Recordings for the console and QA: who may list, play and delete them, and the audit of each.

The audio stays with notify (and Twilio); order_confirm knows a recording by notify's id from
`recording.available` (`call_recordings`) and decides here who may hear it:
- an operator: recordings of their own calls;
- a supervisor, the quality department (`qa`), the shop's client manager and the tenant's admin: every
  recording of their tenants;
- anyone else, another tenant's recording, or a deleted one: 404 `recording_not_found`, so ids cannot be
  probed.
Deleting is for the tenant's supervisors and admins. A player seeks with many Range requests, so playback is
audited once per listener and recording per `PLAYBACK_AUDIT_WINDOW`, not once per request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, true
from sqlmodel import Session, col, select

from contracts.http.telephony import ProblemCode
from services.common.problems import NotFound
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import AuditEntry, CallRecording, InboundCall, OutboundCall, Tenant
from services.order_confirm.service import audit
from services.order_confirm.service.scope import Scope

PLAYBACK_AUDIT_WINDOW = timedelta(minutes=30)
TENANT_LISTENERS = frozenset({Role.SUPERVISOR, Role.QA, Role.CLIENT_MANAGER, Role.ADMIN})
DELETERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


class RecordingNotFound(NotFound):
    code, title = ProblemCode.RECORDING_NOT_FOUND.value, "No such recording among yours"


class CallNotFound(NotFound):
    code, title = ProblemCode.CALL_NOT_FOUND.value, "No such call among yours"


@dataclass(frozen=True)
class Playable:
    """A recording the caller may hear, with what notify needs to find it."""

    recording_id: uuid.UUID
    tenant_id: int
    tenant: str


def _audible(scope: Scope, roles: frozenset[Role] = TENANT_LISTENERS, *, own_calls: bool = True) -> ColumnElement[bool]:
    """Recordings of the caller's tenants for `roles`; an operator's own calls' where `own_calls`."""
    tenants = col(CallRecording.tenant_id).in_(sorted(scope.tenant_ids)) if scope.tenant_ids else false()
    if scope.role is Role.OPERATOR and own_calls:
        return and_(tenants, col(CallRecording.operator_id) == scope.operator_id)
    return and_(tenants, true() if scope.role in roles else false())


def _recording(session: Session, scope: Scope, recording_id: uuid.UUID) -> CallRecording:
    query = select(CallRecording).where(
        col(CallRecording.recording_id) == str(recording_id),
        col(CallRecording.deleted_at).is_(None),
        _audible(scope),
    )
    found = session.exec(query).first()
    if found is None:
        raise RecordingNotFound(f"No recording {recording_id}.")
    return found


def _slug(session: Session, tenant_id: int) -> str:
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    return tenant.slug


def recording_view(recording: CallRecording) -> dict[str, Any]:
    return {
        "recording_id": recording.recording_id,
        "call_id": recording.call_id,
        "direction": recording.direction,
        "attempt_id": recording.attempt_id,
        "order_id": recording.order_id,
        "operator_id": recording.operator_id,
        "duration_seconds": recording.duration_seconds,
        "started_at": recording.started_at,
        "recorded_at": recording.recorded_at,
        "audio_url": f"/api/v1/recordings/{recording.recording_id}/audio",
    }


def recordings_of_call(session: Session, scope: Scope, call_id: uuid.UUID) -> list[CallRecording]:
    """The call's recordings the caller may hear, oldest first; an empty list for a call of theirs that
    has none (yet, or no more), 404 for a call they cannot see at all."""
    found = list(
        session.exec(
            select(CallRecording)
            .where(col(CallRecording.call_id) == str(call_id), _audible(scope))
            .order_by(col(CallRecording.started_at), col(CallRecording.recording_id))
        )
    )
    if not found and not _call_visible(session, scope, str(call_id)):
        raise CallNotFound(f"No call {call_id} among yours.")
    return [recording for recording in found if recording.deleted_at is None]


def _call_visible(session: Session, scope: Scope, call_id: str) -> bool:
    """A call without recordings: the caller's own (operators), or one of their tenants' (the others)."""
    if scope.role not in TENANT_LISTENERS | {Role.OPERATOR}:
        return False
    rows: list[OutboundCall | InboundCall | None] = [
        session.get(OutboundCall, call_id),
        session.get(InboundCall, call_id),
    ]
    for row in rows:
        if row is not None and row.tenant_id in scope.tenant_ids:
            return scope.role is not Role.OPERATOR or row.operator_id == scope.operator_id
    return False


def authorize_playback(session: Session, scope: Scope, recording_id: uuid.UUID, *, now: datetime) -> Playable:
    """May the caller hear it? Audited (once per listener and window) before any byte is fetched, so a
    playback notify then fails to serve is still on record as an access."""
    recording = _recording(session, scope, recording_id)
    if not _played_lately(session, scope, recording, now):
        audit.record(
            session,
            now=now,
            actor=scope.operator,
            action="recording.played",
            entity="recording",
            entity_id=recording.recording_id,
            tenant_id=recording.tenant_id,
            after={"call_id": recording.call_id, "attempt_id": recording.attempt_id},
        )
    return Playable(recording_id, recording.tenant_id, _slug(session, recording.tenant_id))


def _played_lately(session: Session, scope: Scope, recording: CallRecording, now: datetime) -> bool:
    query = select(AuditEntry.id).where(
        col(AuditEntry.tenant_id) == recording.tenant_id,
        col(AuditEntry.entity) == "recording",
        col(AuditEntry.entity_id) == recording.recording_id,
        col(AuditEntry.action) == "recording.played",
        col(AuditEntry.actor_id) == scope.operator_id,
        col(AuditEntry.occurred_at) > now - PLAYBACK_AUDIT_WINDOW,
    )
    return session.exec(query.limit(1)).first() is not None


def authorize_deletion(session: Session, scope: Scope, recording_id: uuid.UUID) -> Playable | None:
    """A recording the caller may delete; `None` when it is already deleted (a repeated DELETE is 204)."""
    query = select(CallRecording).where(
        col(CallRecording.recording_id) == str(recording_id), _audible(scope, DELETERS, own_calls=False)
    )
    recording = session.exec(query).first()
    if recording is None:
        raise RecordingNotFound(f"No recording {recording_id}.")
    if recording.deleted_at is not None:
        return None
    return Playable(recording_id, recording.tenant_id, _slug(session, recording.tenant_id))


def mark_deleted(session: Session, scope: Scope, target: Playable, *, now: datetime) -> None:
    """notify deleted it (at Twilio too); `recording.deleted` says so again, which changes nothing. That fact
    may also arrive first (the worker applies it while this request still waits for notify's answer): the
    recording is then already marked, but the supervisor's deletion is still audited, once."""
    recording = session.get(CallRecording, str(target.recording_id), with_for_update=True)
    assert recording is not None
    if _deletion_audited(session, recording.recording_id):
        return
    if recording.deleted_at is None:
        recording.deleted_at, recording.deleted_reason = now, "requested"
        session.add(recording)
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="recording.deleted",
        entity="recording",
        entity_id=recording.recording_id,
        tenant_id=recording.tenant_id,
        before={"call_id": recording.call_id, "duration_seconds": recording.duration_seconds},
        after={"deleted_reason": "requested"},
    )


def _deletion_audited(session: Session, recording_id: str) -> bool:
    statement = select(AuditEntry.id).where(
        col(AuditEntry.entity) == "recording",
        col(AuditEntry.entity_id) == recording_id,
        col(AuditEntry.action) == "recording.deleted",
    )
    return session.exec(statement).first() is not None
