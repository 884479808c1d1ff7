"""Closing a survey call and reporting its facts to order_confirm, exactly once per call."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import structlog
from sqlmodel import Session

from contracts.calls import SurveyAnswered
from contracts.routing import MessageType
from services.common.messaging.outbox import Outbox
from services.notify.surveys.domain.status import SkipReason, SurveyCallStatus
from services.notify.surveys.models import SurveyCall

log = structlog.get_logger(__name__)


class ReportedSurvey(Protocol):
    """What closing and reporting a survey read and write: the ORM row, or a step's `SurveyState`."""

    @property
    def id(self) -> int | None: ...
    @property
    def tenant(self) -> str: ...
    @property
    def attempt_id(self) -> int: ...
    @property
    def order_id(self) -> int: ...
    @property
    def customer_id(self) -> int: ...
    @property
    def operator_id(self) -> int: ...
    @property
    def call_sid(self) -> str | None: ...

    status: str
    skip_reason: str | None
    csat: int | None
    nps: int | None
    callback_requested: bool
    opted_out: bool
    finished_at: datetime | None
    reported_at: datetime | None
    updated_at: datetime


def finish(
    session: Session,
    outbox: Outbox,
    survey: SurveyCall,
    status: SurveyCallStatus,
    *,
    now: datetime,
    skip_reason: SkipReason | None = None,
) -> bool:
    """Give the call its final status and send `SurveyAnswered`; False if it was already reported."""
    if not close(survey, status, now=now, skip_reason=skip_reason):
        return False
    session.add(survey)
    report(session, outbox, survey)
    return True


def close(
    survey: ReportedSurvey, status: SurveyCallStatus, *, now: datetime, skip_reason: SkipReason | None = None
) -> bool:
    """The final status on the row alone (the caller writes it and `report`s); False if already reported."""
    if survey.reported_at is not None:
        return False
    survey.status = status.value
    survey.skip_reason = skip_reason.value if skip_reason else survey.skip_reason
    survey.finished_at = survey.finished_at or now
    survey.reported_at = now
    survey.updated_at = now
    return True


def report(session: Session, outbox: Outbox, survey: ReportedSurvey) -> None:
    """`SurveyAnswered` for a closed call, in the caller's transaction (published once it commits)."""
    outbox.add(session, MessageType.SURVEY_ANSWERED.value, survey.tenant, answered_message(survey))
    log_finished(survey)


def log_finished(survey: ReportedSurvey) -> None:
    log.info("survey.finished", survey_call_id=survey.id, status=survey.status, skip_reason=survey.skip_reason)


def answered_message(survey: ReportedSurvey) -> SurveyAnswered:
    assert survey.finished_at is not None
    return SurveyAnswered(
        attempt_id=survey.attempt_id,
        order_id=survey.order_id,
        customer_id=survey.customer_id,
        operator_id=survey.operator_id,
        call_sid=survey.call_sid,
        status=survey.status,  # only final statuses reach here
        csat=survey.csat,
        nps=survey.nps,
        callback_requested=survey.callback_requested,
        opted_out=survey.opted_out,
        skip_reason=survey.skip_reason,
        finished_at=survey.finished_at,
    )
