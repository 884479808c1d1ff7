"""A notify runtime wired to the local Twilio, and helpers to feed it conversations and read its reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from contracts.calls import CallCompleted, SurveyAnswered
from contracts.routing import MessageType
from services.common.db import transaction
from services.common.messaging.broker import make_broker
from services.notify.app import create_app
from services.notify.models import OutboxMessage, SurveyCall, SurveyStep
from services.notify.runtime import NotifyRuntime
from services.notify.settings import NotifySettings
from services.notify.surveys.dispatch import dispatch_due_surveys, place_survey_call
from services.notify.surveys.scheduling import schedule_survey
from services.notify.surveys.tenant_rules import SurveyRulesBody, save_rules
from services.notify.wiring import build
from tests.fakes.twilio import FakeTwilio, VoiceCall
from tests.support import FrozenClock

TENANT = "shop"
PUBLIC_BASE_URL = "https://okno.example.com/notify"  # what Twilio sees: TLS ends at the proxy in front
CALLER_ID = "+15005550006"


@dataclass
class SurveyDesk:
    """notify under test: its runtime (frozen clock), its HTTP app, and the local Twilio it dials through."""

    runtime: NotifyRuntime
    http: TestClient
    twilio: FakeTwilio
    clock: FrozenClock

    def conversation(self, attempt_id: int = 1, **overrides: Any) -> SurveyCall:
        """An operator's call ended (`CallCompleted` as order_confirm sends it); notify decides about a survey."""
        fields: dict[str, Any] = {
            "attempt_id": attempt_id,
            "order_id": 100 + attempt_id,
            "customer_id": 7,
            "customer_phone": "+79161234567",
            "customer_timezone": "Europe/Moscow",
            "language": "ru",
            "operator_id": 3,
            "disposition": "confirmed",
            "reached_customer": True,
            "ended_at": self.clock(),
        }
        fields.update(overrides)
        with transaction(self.runtime.engine) as session:
            return schedule_survey(
                session, self.runtime.outbox, self.runtime.settings, TENANT, CallCompleted(**fields), now=self.clock()
            )

    def dispatch(self) -> list[int]:
        """The periodic job, then the placement actor for each survey it queued (as the worker would)."""
        queued: list[int] = []
        dispatch_due_surveys(self.runtime, queued.append)
        for survey_id in queued:
            place_survey_call(self.runtime, survey_id)
        return queued

    def ring(self, survey_id: int) -> VoiceCall:
        """Place the survey call now and hand back the phone Twilio is ringing."""
        before = len(self.twilio.calls)
        assert survey_id in self.dispatch(), "the survey was not due"
        assert len(self.twilio.calls) == before + 1, "Twilio was not asked to call"
        return VoiceCall(self.twilio, self.twilio.calls[-1], self.http, PUBLIC_BASE_URL)

    def survey(self, survey_id: int) -> SurveyCall:
        with Session(self.runtime.engine) as session:
            row = session.get(SurveyCall, survey_id)
            assert row is not None
            return row

    def steps(self, survey_id: int) -> list[SurveyStep]:
        with Session(self.runtime.engine) as session:
            return list(session.exec(select(SurveyStep).where(SurveyStep.survey_call_id == survey_id)).all())

    def reports(self) -> list[SurveyAnswered]:
        """Every `SurveyAnswered` notify has committed to its outbox for order_confirm."""
        with Session(self.runtime.engine) as session:
            rows = session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.message_type == MessageType.SURVEY_ANSWERED.value)
                .order_by(OutboxMessage.id)  # type: ignore[arg-type]
            ).all()
        return [SurveyAnswered.model_validate(json.loads(json.dumps(row.envelope))["payload"]) for row in rows]

    def set_rules(self, **rules: Any) -> None:
        with transaction(self.runtime.engine) as session:
            save_rules(session, TENANT, SurveyRulesBody(**rules), now=self.clock())


@contextmanager
def survey_desk(database_url: str, twilio: FakeTwilio, twilio_url: str, clock: FrozenClock) -> Iterator[SurveyDesk]:
    settings = NotifySettings(
        database_url=database_url,
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token=twilio.auth_token,
        twilio_from_number=CALLER_ID,
        twilio_api_base_url=twilio_url,
        public_base_url=PUBLIC_BASE_URL,
    )
    runtime = build(settings, broker=make_broker(None), clock=clock)
    runtime.outbox.relay_enabled = False  # the reports are read from the outbox itself
    with TestClient(create_app(runtime)) as http:
        yield SurveyDesk(runtime, http, twilio, clock)
    runtime.engine.dispose()


def at(clock: FrozenClock, iso: str) -> datetime:
    clock.set(datetime.fromisoformat(iso))
    return clock()
