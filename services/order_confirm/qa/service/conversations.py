"""Conversations as QA sees them: a week's calls for the sample and the flags, and one call in its order's
context (the attempt, its timeline, notes and changes, and the recording where there is one).

Telephony may not carry every call yet: a call without a recording is evaluated from the attempt (outcome,
reason, comment, times), the order's timeline and the notes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from services.common.problems import NotFound
from services.order_confirm.domain.timeline_text import render
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import (
    Attempt,
    CallRecording,
    Customer,
    Note,
    Operator,
    Order,
    OrderItem,
    Tenant,
    TimelineEvent,
)
from services.order_confirm.qa.domain.sampling import Conversation
from services.order_confirm.qa.domain.weeks import Week
from services.order_confirm.qa.models import QaCalibration, QaCalibrationParticipant, QaEvaluation
from services.order_confirm.qa.service.access import CONVERSATIONS, conversation, team_of
from services.order_confirm.service.scope import Scope


def talk_seconds(attempt: Attempt) -> int | None:
    """Telephony's talk time; for a call recorded by hand, from its start to its end."""
    if attempt.talk_seconds is not None:
        return attempt.talk_seconds
    if attempt.ended_at is None:
        return None
    return max(0, int((attempt.ended_at - attempt.started_at).total_seconds()))


def as_conversation(attempt: Attempt, tz: ZoneInfo) -> Conversation:
    assert attempt.id is not None and attempt.disposition is not None
    return Conversation(
        attempt_id=attempt.id,
        operator_id=attempt.operator_id,
        day=attempt.started_at.astimezone(tz).date(),
        outcome=attempt.disposition,
        talk_seconds=talk_seconds(attempt),
        csat=attempt.csat,
        nps=attempt.nps,
        callback_requested=attempt.survey_callback_requested,
    )


def week_conversations(session: Session, tenant: Tenant, week: Week) -> list[Conversation]:
    attempts = session.exec(
        select(Attempt).where(
            Attempt.tenant_id == tenant.id,
            col(Attempt.started_at) >= week.start,
            col(Attempt.started_at) < week.end,
            col(Attempt.disposition).in_(CONVERSATIONS),
        )
    ).all()
    tz = ZoneInfo(tenant.timezone)
    return [as_conversation(attempt, tz) for attempt in attempts]


def recording_of(session: Session, attempt: Attempt) -> dict[str, Any] | None:
    """The call's recording, by notify's id: the audio stays with notify and is played through telephony's
    authorized, audited playback; comments are pinned to seconds from the recording's start."""
    recording = session.exec(
        select(CallRecording)
        .where(CallRecording.attempt_id == attempt.id, col(CallRecording.deleted_at).is_(None))
        .order_by(col(CallRecording.recorded_at).desc())
    ).first()
    if recording is None:
        return None
    return {
        "recording_id": recording.recording_id,
        "duration_seconds": recording.duration_seconds,
        "started_at": recording.started_at,
    }


def conversation_view(session: Session, attempt: Attempt, *, language: str = "en") -> dict[str, Any]:
    """Everything an evaluator needs beside the recording; the customer appears by name only."""
    order = session.get(Order, attempt.order_id)
    assert order is not None
    customer = session.get(Customer, order.customer_id)
    operator = session.get(Operator, attempt.operator_id)
    items = session.exec(select(OrderItem).where(OrderItem.order_id == order.id).order_by(col(OrderItem.position)))
    events = session.exec(
        select(TimelineEvent)
        .where(TimelineEvent.order_id == order.id, TimelineEvent.tenant_id == attempt.tenant_id)
        .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
    )
    notes = session.exec(
        select(Note)
        .where(Note.order_id == order.id, Note.tenant_id == attempt.tenant_id)
        .order_by(col(Note.created_at), col(Note.id))
    )
    return {
        "attempt_id": attempt.id,
        "operator": {"id": attempt.operator_id, "name": operator.name if operator else ""},
        "started_at": attempt.started_at,
        "answered_at": attempt.answered_at,
        "ended_at": attempt.ended_at,
        "talk_seconds": talk_seconds(attempt),
        "hold_seconds": attempt.hold_seconds,
        "disposition": attempt.disposition,
        "reason_code": attempt.reason_code,
        "comment": attempt.comment,
        "survey": {"csat": attempt.csat, "nps": attempt.nps, "callback_requested": attempt.survey_callback_requested},
        "recording": recording_of(session, attempt),
        "order": _order(order, customer, list(items)),
        "timeline": [_event(event, language, customer.timezone if customer else "UTC") for event in events],
        "notes": [{"text": note.text, "author_id": note.author_id, "created_at": note.created_at} for note in notes],
    }


def _order(order: Order, customer: Customer | None, items: list[OrderItem]) -> dict[str, Any]:
    return {
        "id": order.id,
        "external_id": order.external_id,
        "status": order.status,
        "customer_name": customer.name if customer else "",
        "delivery_method": order.delivery_method,
        "delivery_address": order.delivery_address,
        "delivery_date": order.delivery_date,
        "delivery_slot": order.delivery_slot,
        "payment_method": order.payment_method,
        "total_minor": order.total_minor,
        "currency": order.currency,
        "items": [
            {"sku": i.sku, "name": i.name, "quantity": i.quantity, "unit_price_minor": i.unit_price_minor}
            for i in items
        ],
    }


def _event(event: TimelineEvent, language: str, timezone: str) -> dict[str, Any]:
    occurred: datetime = event.occurred_at
    text = render(event.kind, event.params, language=language, timezone=timezone) or event.summary
    return {
        "kind": event.kind,
        "params": event.params,
        "text": text,
        "summary": event.summary,
        "details": event.details,
        "occurred_at": occurred,
    }


def conversation_in_view(session: Session, scope: Scope, tenant: Tenant, attempt_id: int) -> Attempt:
    """A conversation the caller may open in QA: the quality department and admins any of the tenant; a
    supervisor their team's; a calibration's members its call; the shop's client manager evaluated calls;
    an operator their own evaluated calls."""
    assert tenant.id is not None
    attempt = conversation(session, tenant.id, attempt_id)
    if scope.role in (Role.QA, Role.ADMIN):
        return attempt
    if scope.role is Role.SUPERVISOR and attempt.operator_id in team_of(session, scope.operator_id):
        return attempt
    in_calibration = session.exec(
        select(QaCalibration.id)
        .join(QaCalibrationParticipant, col(QaCalibrationParticipant.calibration_id) == col(QaCalibration.id))
        .where(QaCalibration.attempt_id == attempt_id, QaCalibrationParticipant.evaluator_id == scope.operator_id)
    ).first()
    if in_calibration is not None:
        return attempt
    evaluated = select(QaEvaluation.id).where(
        QaEvaluation.attempt_id == attempt_id, QaEvaluation.status == "submitted", QaEvaluation.kind == "regular"
    )
    if scope.role is Role.CLIENT_MANAGER and session.exec(evaluated).first() is not None:
        return attempt
    if scope.role is Role.OPERATOR and attempt.operator_id == scope.operator_id and session.exec(evaluated).first():
        return attempt
    raise NotFound(f"No conversation {attempt_id}.")
