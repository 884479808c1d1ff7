"""`recording.available` / `recording.deleted` in `call_recordings`: which call (and attempt, order, customer,
operator) a recording belongs to, so playback can be authorized without asking notify. The audio itself
stays with notify and Twilio.

Both messages are idempotent and safe in any order: a deletion that overtakes its availability leaves a
row marked deleted, and the late availability does not bring it back.
"""

from __future__ import annotations

from sqlmodel import Session

from contracts.telephony import RecordingAvailable, RecordingDeleted
from services.order_confirm.models import CallRecording, Order, Tenant
from services.order_confirm.telephony.facts import known_customer, known_operator, tenant_by_slug
from services.order_confirm.telephony.locks import lock_attempt_in_workflow_order


def apply_recording_available(session: Session, tenant_slug: str, fact: RecordingAvailable) -> bool:
    tenant = tenant_by_slug(session, tenant_slug)
    if tenant is None or tenant.id is None:
        return False
    row = session.get(CallRecording, str(fact.recording_id), with_for_update=True)
    if row is None:
        row = CallRecording(recording_id=str(fact.recording_id), tenant_id=tenant.id, call_id=str(fact.call_id))
    elif row.recorded_at is not None or row.tenant_id != tenant.id:
        return False
    row.direction = fact.direction
    row.attempt_id = _attempt_id(session, tenant, fact.attempt_id)
    row.order_id = _order_id(session, tenant, fact.order_id)
    row.customer_id = known_customer(session, tenant.id, fact.customer_id)
    row.operator_id = known_operator(session, fact.operator_id)
    row.duration_seconds, row.started_at = fact.duration_seconds, fact.started_at
    row.recorded_at, row.delete_after = fact.recorded_at, fact.delete_after
    session.add(row)
    return True


def apply_recording_deleted(session: Session, tenant_slug: str, fact: RecordingDeleted) -> bool:
    tenant = tenant_by_slug(session, tenant_slug)
    if tenant is None or tenant.id is None:
        return False
    row = session.get(CallRecording, str(fact.recording_id), with_for_update=True)
    if row is None:
        row = CallRecording(recording_id=str(fact.recording_id), tenant_id=tenant.id, call_id=str(fact.call_id))
    elif row.deleted_at is not None or row.tenant_id != tenant.id:
        return False
    row.deleted_at, row.deleted_reason = fact.deleted_at, fact.reason
    session.add(row)
    return True


def _attempt_id(session: Session, tenant: Tenant, attempt_id: int | None) -> int | None:
    assert tenant.id is not None
    attempt = lock_attempt_in_workflow_order(session, tenant.id, attempt_id, update_attempt=False)
    return attempt.id if attempt is not None else None


def _order_id(session: Session, tenant: Tenant, order_id: int | None) -> int | None:
    order = session.get(Order, order_id) if order_id is not None else None
    return order_id if order is not None and order.tenant_id == tenant.id else None
