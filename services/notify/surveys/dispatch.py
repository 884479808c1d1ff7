"""From a due `survey_calls` row to a ringing phone.

The periodic job marks due rows `queued` and enqueues one placement message per row; the placement actor
claims the row (`queued` -> `dialing`, compare-and-set, committed) before asking the provider, so two
workers, a redelivered message or a re-run job never dial the same customer twice. A row whose message
was lost (broker down) is re-enqueued after `REQUEUE_AFTER`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlmodel import Session, col, select, update

from services.common.capabilities import CapabilityNotConfigured
from services.common.db import is_sqlite, transaction
from services.common.runtime import Runtime
from services.notify.settings import NotifySettings
from services.notify.surveys.domain.rules import place_in_window
from services.notify.surveys.domain.status import SkipReason, SurveyCallStatus, outcome_of_answered_call
from services.notify.surveys.models import SurveyCall
from services.notify.surveys.reports import finish
from services.notify.surveys.scheduling import customer_zone, opted_out_here
from services.notify.surveys.tenant_rules import policy_of, rules_of
from services.notify.surveys.urls import start_url, status_url
from services.notify.telephony import CallRejected, OutboundCall, TelephonyUnavailable, telephony_for

log = structlog.get_logger(__name__)

REQUEUE_AFTER = timedelta(minutes=5)
# A call is over long before this; without a final status callback (lost, or Twilio never got it) it is
# closed with what was answered, so order_confirm still gets its facts.
ABANDON_AFTER = timedelta(hours=1)
MAX_PLACEMENT_ATTEMPTS = 5
BATCH = 200

NotifyRuntime = Runtime[NotifySettings]


def dispatch_due_surveys(runtime: NotifyRuntime, enqueue: Callable[[int], None]) -> int:
    """Queue every survey call that is due now (re-checking the calling window); returns how many."""
    now = runtime.clock()
    with transaction(runtime.engine) as session:
        due = _lock_due(session, now)
        queued: list[int] = []
        for survey in due:
            if _still_allowed(session, runtime, survey, now):
                survey.status = SurveyCallStatus.QUEUED.value
                survey.queued_at = now
                survey.updated_at = now
                session.add(survey)
                assert survey.id is not None
                queued.append(survey.id)
        _close_abandoned(session, runtime, now)
        stale = session.exec(
            select(SurveyCall.id).where(
                SurveyCall.status == SurveyCallStatus.QUEUED.value, col(SurveyCall.queued_at) < now - REQUEUE_AFTER
            )
        ).all()
    for survey_id in [*queued, *(s for s in stale if s is not None)]:
        enqueue(survey_id)
    return len(queued)


def _close_abandoned(session: Session, runtime: NotifyRuntime, now: datetime) -> None:
    abandoned = session.exec(
        select(SurveyCall)
        .where(
            col(SurveyCall.status).in_((SurveyCallStatus.DIALING.value, SurveyCallStatus.CALLING.value)),
            col(SurveyCall.updated_at) < now - ABANDON_AFTER,
        )
        .limit(BATCH)
    ).all()
    for survey in abandoned:
        answered = survey.answered_by is not None
        outcome = outcome_of_answered_call(survey.csat, survey.nps, survey.answered_by) if answered else None
        finish(session, runtime.outbox, survey, outcome or SurveyCallStatus.FAILED, now=now)


def _lock_due(session: Session, now: datetime) -> list[SurveyCall]:
    query = (
        select(SurveyCall)
        .where(SurveyCall.status == SurveyCallStatus.SCHEDULED.value, col(SurveyCall.due_at) <= now)
        .order_by(col(SurveyCall.due_at))
        .limit(BATCH)
    )
    if not is_sqlite(session.get_bind().engine):
        # Two schedulers (a restart overlap) take disjoint rows instead of waiting for each other.
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query).all())


def _still_allowed(session: Session, runtime: NotifyRuntime, survey: SurveyCall, now: datetime) -> bool:
    """Between scheduling and now the customer may have opted out, or the job may run late past the window."""
    if opted_out_here(session, survey.tenant, survey.phone):
        finish(session, runtime.outbox, survey, SurveyCallStatus.SKIPPED, now=now, skip_reason=SkipReason.OPTED_OUT)
        return False
    policy = policy_of(rules_of(session, survey.tenant, runtime.settings))
    decision = place_in_window(policy, now, customer_zone(survey.timezone))
    if decision.due_at is None:
        finish(session, runtime.outbox, survey, SurveyCallStatus.SKIPPED, now=now, skip_reason=decision.skip_reason)
        return False
    if decision.due_at > now:
        survey.due_at = decision.due_at
        survey.updated_at = now
        session.add(survey)
        return False
    return True


def place_survey_call(runtime: NotifyRuntime, survey_id: int) -> None:
    """The placement actor's body: claim, dial (no transaction open), record the CallSid or the failure."""
    now = runtime.clock()
    if not _claim(runtime, survey_id, now):
        return
    with transaction(runtime.engine) as session:
        survey = session.get(SurveyCall, survey_id)
        assert survey is not None
        call = OutboundCall(
            to=survey.phone,
            url=start_url(runtime.settings.public_base_url, survey_id),
            status_callback=status_url(runtime.settings.public_base_url, survey_id),
            ring_timeout_seconds=runtime.settings.survey_ring_timeout_seconds,
        )
    try:
        sid = telephony_for(runtime).calls.place_call(call)
    except (CallRejected, CapabilityNotConfigured) as error:
        # Not configured: a production notify without Twilio credentials never pretends to call.
        _placement_failed(runtime, survey_id, repr(error), retry=False)
        return
    except TelephonyUnavailable as error:
        _placement_failed(runtime, survey_id, repr(error), retry=True)
        return
    with transaction(runtime.engine) as session:
        survey = session.get(SurveyCall, survey_id)
        assert survey is not None
        # A status callback may have beaten us here and recorded the sid already; it is the same call.
        survey.call_sid = survey.call_sid or sid
        if survey.status == SurveyCallStatus.DIALING.value:
            survey.status = SurveyCallStatus.CALLING.value
        survey.placed_at = runtime.clock()
        survey.updated_at = runtime.clock()
        session.add(survey)
    log.info("survey.call_placed", survey_call_id=survey_id, call_sid=sid)


def _claim(runtime: NotifyRuntime, survey_id: int, now: datetime) -> bool:
    with transaction(runtime.engine) as session:
        claimed = session.exec(
            update(SurveyCall)
            .where(col(SurveyCall.id) == survey_id, col(SurveyCall.status) == SurveyCallStatus.QUEUED.value)
            .values(
                status=SurveyCallStatus.DIALING.value,
                placement_attempts=SurveyCall.placement_attempts + 1,
                updated_at=now,
            )
        )
        return bool(claimed.rowcount)


def _placement_failed(runtime: NotifyRuntime, survey_id: int, error: str, *, retry: bool) -> None:
    now = runtime.clock()
    with transaction(runtime.engine) as session:
        survey = session.get(SurveyCall, survey_id)
        assert survey is not None
        survey.last_error = error[-2000:]
        if retry and survey.placement_attempts < MAX_PLACEMENT_ATTEMPTS:
            # Back to the schedule, later each time; the window is checked again when it falls due.
            survey.status = SurveyCallStatus.SCHEDULED.value
            survey.due_at = now + timedelta(minutes=2**survey.placement_attempts)
            survey.updated_at = now
            session.add(survey)
            log.warning("survey.placement_retry", survey_call_id=survey_id, error=error)
            return
        finish(session, runtime.outbox, survey, SurveyCallStatus.FAILED, now=now)
        log.error("survey.placement_failed", survey_call_id=survey_id, error=error)
