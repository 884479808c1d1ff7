"""Survey results travel back to order_confirm: the attempt, the operator's ratings, the timeline, the supervisor.

End to end over the real Redis broker and worker threads: order_confirm's `CallCompleted` reaches notify,
notify dials through the local Twilio, the test plays the customer's keypad, and `SurveyAnswered` lands on
the attempt. Nothing but that consumer writes the ratings: no route of the operator API accepts them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from contracts.calls import CallCompleted
from contracts.envelope import Envelope
from contracts.routing import MessageType
from okno.embedded import Okno
from services.common.db import transaction
from services.common.messaging.broker import publish_envelope
from services.notify.app import create_app as notify_app
from services.notify.models import SurveyCall
from services.notify.surveys.dispatch import dispatch_due_surveys
from services.notify.surveys.placement import enqueue_survey_placement
from services.notify.surveys.tenant_rules import SurveyRulesBody, save_rules
from services.order_confirm.app import create_app as order_confirm_app
from services.order_confirm.models import (
    Attempt,
    AuditEntry,
    Customer,
    Operator,
    Order,
    OutboxMessage,
    Task,
    Tenant,
    TimelineEvent,
)
from tests.fakes.twilio import FakeTwilio, VoiceCall
from tests.support import live_server, wait_until

PUBLIC_BASE_URL = "https://okno.example.com/notify"


@dataclass
class Seeded:
    tenant: Tenant
    supervisor: Operator
    operator: Operator
    customer: Customer
    order: Order
    attempt: Attempt


def seed(okno: Okno) -> Seeded:
    now = okno.order_confirm.clock()
    with transaction(okno.order_confirm.engine) as s:
        tenant = Tenant(slug="shop", name="Shop", created_at=now)
        s.add(tenant)
        s.flush()
        assert tenant.id is not None
        supervisor = Operator(
            login="sveta", name="Sveta", role="supervisor", password_hash="-", status_changed_at=now, created_at=now
        )
        s.add(supervisor)
        s.flush()
        operator = Operator(
            login="oleg",
            name="Oleg",
            role="operator",
            password_hash="-",
            supervisor_id=supervisor.id,
            status_changed_at=now,
            created_at=now,
        )
        s.add(operator)
        s.flush()
        assert operator.id is not None
        customer = Customer(
            tenant_id=tenant.id,
            phone_key="+79161234567",
            phone_e164="+79161234567",
            phone_raw="+79161234567",
            name="Anna",
            timezone="Europe/Moscow",
            owner_id=operator.id,
            created_at=now,
            updated_at=now,
        )
        s.add(customer)
        s.flush()
        assert customer.id is not None
        order = Order(
            tenant_id=tenant.id,
            customer_id=customer.id,
            external_id="A-1",
            source="webhook",
            source_ref="r1",
            status="confirmed",
            delivery_method="courier",
            delivery_address="Tverskaya 1",
            payment_method="card",
            payment_status="paid",
            total_minor=150000,
            currency="RUB",
            content_hash="h",
            shop_created_at=now,
            received_at=now,
            updated_at=now,
        )
        s.add(order)
        s.flush()
        assert order.id is not None
        attempt = Attempt(
            tenant_id=tenant.id,
            order_id=order.id,
            operator_id=operator.id,
            started_at=now - timedelta(minutes=4),
            ended_at=now,
            disposition="confirmed",
        )
        s.add(attempt)
        s.flush()
        return Seeded(tenant, supervisor, operator, customer, order, attempt)


@pytest.fixture
def twilio_server() -> Iterator[tuple[FakeTwilio, str]]:
    twilio = FakeTwilio()
    with live_server(twilio.app) as url:
        yield twilio, url


def test_a_detractor_who_opts_out_reaches_the_attempt_the_timeline_and_the_supervisor(
    okno: Okno, twilio_server: tuple[FakeTwilio, str]
) -> None:
    twilio, twilio_url = twilio_server
    okno.notify.settings = okno.notify.settings.model_copy(
        update={
            "twilio_account_sid": twilio.account_sid,
            "twilio_auth_token": twilio.auth_token,
            "twilio_from_number": "+15005550006",
            "twilio_api_base_url": twilio_url,
            "public_base_url": PUBLIC_BASE_URL,
        }
    )
    data = seed(okno)
    with transaction(okno.notify.engine) as s:  # survey right away, whatever the hour of the test run
        save_rules(
            s,
            "shop",
            SurveyRulesBody(delay_seconds=0, window_start="00:00", window_end="24:00"),
            now=okno.notify.clock(),
        )

    assert data.attempt.id and data.order.id and data.customer.id and data.operator.id
    call = CallCompleted(
        attempt_id=data.attempt.id,
        order_id=data.order.id,
        customer_id=data.customer.id,
        customer_phone="+79161234567",
        customer_timezone="Europe/Moscow",
        language="ru",
        operator_id=data.operator.id,
        disposition="confirmed",
        reached_customer=True,
        ended_at=okno.order_confirm.clock(),
    )
    envelope = Envelope[CallCompleted](message_type=MessageType.CALL_COMPLETED.value, tenant="shop", payload=call)
    publish_envelope(okno.broker, MessageType.CALL_COMPLETED.value, envelope.model_dump_json())
    publish_envelope(okno.broker, MessageType.CALL_COMPLETED.value, envelope.model_dump_json())  # redelivered

    def scheduled() -> bool:
        with Session(okno.notify.engine) as s:
            return s.exec(select(SurveyCall)).first() is not None

    wait_until(scheduled, message="notify to schedule the survey")
    dispatch_due_surveys(okno.notify, lambda survey_id: enqueue_survey_placement(okno.notify, survey_id))
    wait_until(lambda: twilio.calls, message="the worker to ask Twilio for the call")
    assert len(twilio.calls) == 1

    with TestClient(notify_app(okno.notify)) as http:
        phone = VoiceCall(twilio, twilio.calls[0], http, PUBLIC_BASE_URL)
        phone.answer()
        phone.press("2")
        phone.press("3#")
        phone.press("9")
        phone.hang_up()

    def surveyed() -> Attempt | None:
        with Session(okno.order_confirm.engine) as s:
            attempt = s.get(Attempt, data.attempt.id)
            return attempt if attempt and attempt.survey_status else None

    attempt = wait_until(surveyed, message="order_confirm to store the survey result")
    assert attempt is not None
    assert (attempt.survey_status, attempt.csat, attempt.nps, attempt.survey_callback_requested) == (
        "completed",
        2,
        3,
        False,
    )
    with Session(okno.order_confirm.engine) as s:
        customer = s.get(Customer, data.customer.id)
        assert customer is not None and customer.survey_opt_out is True
        events = s.exec(select(TimelineEvent).where(TimelineEvent.customer_id == data.customer.id)).all()
        assert sorted(e.kind for e in events) == ["survey", "survey_opt_out"]
        assert next(e for e in events if e.kind == "survey").summary == "Survey: CSAT 2/5, NPS 3/10"
        [task] = s.exec(select(Task).where(Task.kind == "supervisor_follow_up")).all()
        assert task.assignee_id == data.supervisor.id and task.order_id == data.order.id
        assert task.note is not None and "low rating (CSAT 2/5, NPS 3/10)" in task.note
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "survey.recorded")).all()
        assert [(a.actor, a.after) for a in audit] == [
            ("system:notify", {"survey_status": "completed", "csat": 2, "nps": 3, "survey_callback_requested": False})
        ]
        # The ratings flow on to the ERP / the shop's webhook like every outcome.
        [survey_completed] = s.exec(
            select(OutboxMessage).where(OutboxMessage.message_type == MessageType.SURVEY_COMPLETED.value)
        ).all()
        payload = survey_completed.envelope["payload"]
        assert (payload["order_id"], payload["csat"], payload["nps"]) == (data.order.id, 2, 3)


def test_no_operator_api_route_accepts_ratings(okno: Okno) -> None:
    """Ratings are written by the survey consumer only; no request body anywhere carries csat or nps."""
    schema = order_confirm_app(okno.order_confirm).openapi()
    bodies = json.dumps(
        [
            op.get("requestBody", {})
            for path in schema["paths"].values()
            for method, op in path.items()
            if method in ("post", "put", "patch", "delete")
        ]
    )
    referenced = {ref.rsplit("/", 1)[-1] for ref in _refs(json.loads(bodies))}
    for name in referenced:
        properties = schema["components"]["schemas"][name].get("properties", {})
        assert not {"csat", "nps", "survey_status", "survey_callback_requested"} & set(properties), name


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)
