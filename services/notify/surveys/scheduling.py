"""`CallCompleted` -> a durable `survey_calls` row: scheduled for `due_at`, or skipped with the reason."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, func, select

from contracts.calls import CallCompleted
from services.common.clock import as_utc
from services.common.messaging.outbox import Outbox
from services.notify.settings import NotifySettings
from services.notify.surveys.domain.rules import Conversation, decide
from services.notify.surveys.domain.status import SurveyCallStatus
from services.notify.surveys.models import SurveyCall
from services.notify.surveys.reports import finish
from services.notify.surveys.tenant_rules import policy_of, rules_of

# Skipped rows are kept for the record but were no survey: they never count toward the 7-day rule.
_NOT_A_SURVEY = (SurveyCallStatus.SKIPPED.value,)


def schedule_survey(
    session: Session,
    outbox: Outbox,
    settings: NotifySettings,
    tenant: str,
    call: CallCompleted,
    *,
    now: datetime,
) -> SurveyCall:
    """Decide about one conversation; a repeat of the same attempt returns the existing row unchanged."""
    existing = session.exec(
        select(SurveyCall).where(SurveyCall.tenant == tenant, SurveyCall.attempt_id == call.attempt_id)
    ).first()
    if existing is not None:
        return existing
    rules = rules_of(session, tenant, settings)
    tz = customer_zone(call.customer_timezone)
    conversation = Conversation(
        ended_at=call.ended_at,
        reached_customer=call.reached_customer,
        disposition=call.disposition,
        opted_out=call.survey_opt_out or opted_out_here(session, tenant, call.customer_phone),
        timezone=tz,
    )
    decision = decide(policy_of(rules), conversation, last_survey_at(session, tenant, call.customer_id), now)
    survey = SurveyCall(
        tenant=tenant,
        attempt_id=call.attempt_id,
        order_id=call.order_id,
        customer_id=call.customer_id,
        operator_id=call.operator_id,
        phone=call.customer_phone,
        timezone=tz.key,
        language=call.language,
        ask_callback=rules.ask_callback,
        status=SurveyCallStatus.SCHEDULED.value,
        due_at=decision.due_at or now,
        created_at=now,
        updated_at=now,
    )
    session.add(survey)
    session.flush()
    if decision.due_at is None:
        finish(session, outbox, survey, SurveyCallStatus.SKIPPED, now=now, skip_reason=decision.skip_reason)
    return survey


def customer_zone(name: str) -> ZoneInfo:
    """The customer's zone; a zone we cannot read falls back to Moscow, where most of our shops are."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Moscow")


def last_survey_at(session: Session, tenant: str, customer_id: int) -> datetime | None:
    """When this customer last got (or is about to get) a survey call; skipped ones do not count."""
    value = session.exec(
        select(func.max(SurveyCall.created_at)).where(
            SurveyCall.tenant == tenant,
            SurveyCall.customer_id == customer_id,
            col(SurveyCall.status).not_in(_NOT_A_SURVEY),
        )
    ).one()
    return None if value is None else as_utc(value)


def opted_out_here(session: Session, tenant: str, phone: str) -> bool:
    """A customer who pressed 9 in an earlier survey, even before order_confirm has recorded it."""
    hit = session.exec(
        select(SurveyCall.id)
        .where(SurveyCall.tenant == tenant, SurveyCall.phone == phone, col(SurveyCall.opted_out).is_(True))
        .limit(1)
    ).first()
    return hit is not None
