"""The telephony contracts: what the two services promise each other, and that docs/telephony.md says the same."""

from __future__ import annotations

import importlib
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from contracts.http import telephony as http
from contracts.http.softphone import SoftphoneConnect, SoftphoneDigits, SoftphoneEvent
from contracts.routing import ROUTES, MessageType, Queue, routes_for
from contracts.telephony import (
    CallSnapshot,
    CallUpdated,
    CustomerRoute,
    CustomerRoutesChanged,
    OperatorPresenceChanged,
    TelephonySettingsChanged,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "telephony.md"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def documented_examples() -> list[tuple[str, dict[str, Any]]]:
    """Every `<!-- contract: module.Model -->` + json block of the telephony document."""
    found = re.findall(r"<!-- contract: ([\w.]+) -->\n```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return [(name, json.loads(body)) for name, body in found]


def model_named(dotted: str) -> type[BaseModel]:
    module, _, name = dotted.rpartition(".")
    model: type[BaseModel] = getattr(importlib.import_module(module), name)
    return model


def test_every_example_in_the_telephony_document_is_a_valid_message() -> None:
    examples = documented_examples()
    assert {name.rpartition(".")[2] for name, _ in examples} >= {
        "TelephonySettingsChanged",
        "OperatorPresenceChanged",
        "CustomerRoutesChanged",
        "CallUpdated",
        "CallbackRequested",
    }
    for name, body in examples:
        model_named(name).model_validate(body)  # raises with every field error if the document drifted


def test_the_projection_flows_to_notify_and_the_facts_to_order_confirm() -> None:
    projection = [
        MessageType.TELEPHONY_SETTINGS_CHANGED,
        MessageType.OPERATOR_PRESENCE_CHANGED,
        MessageType.COVER_CHANGED,
        MessageType.CUSTOMER_ROUTES_CHANGED,
    ]
    facts = [
        MessageType.TELEPHONY_CALL_UPDATED,
        MessageType.RECORDING_AVAILABLE,
        MessageType.RECORDING_DELETED,
        MessageType.CALLBACK_REQUESTED,
    ]
    assert all(ROUTES[m] == (Queue.NOTIFY,) for m in projection)
    assert all(ROUTES[m] == (Queue.ORDER_CONFIRM,) for m in facts)
    assert [r.actor_name for r in routes_for("telephony_call.updated")] == ["order_confirm.telephony_call.updated"]
    for message in [*projection, *facts]:
        assert f"`{message.value}`" in DOC.read_text(encoding="utf-8"), f"{message.value} is not documented"


def test_numbers_in_the_projection_must_be_e164_and_unknown_fields_are_refused() -> None:
    base: dict[str, Any] = {"revision": 1, "changed_at": NOW}
    TelephonySettingsChanged(**base, numbers=["+74951234567"])
    with pytest.raises(ValidationError, match="numbers.0"):
        TelephonySettingsChanged(**base, numbers=["8 495 123-45-67"])
    with pytest.raises(ValidationError, match="extra_forbidden"):
        TelephonySettingsChanged.model_validate({**base, "twilio_auth_token": "x"})
    with pytest.raises(ValidationError, match="owner_wait_seconds"):
        TelephonySettingsChanged(**base, owner_wait_seconds=-1)
    with pytest.raises(ValidationError, match="revision"):
        CustomerRoute(customer_id=1, phone=None, owner_id=None, revision=-1)


def test_defaults_are_the_issue_s_defaults() -> None:
    settings = TelephonySettingsChanged(revision=0, changed_at=NOW)
    assert (settings.owner_wait_seconds, settings.service_level_seconds, settings.short_abandon_seconds) == (15, 20, 5)
    assert settings.recording is False and settings.announcement is True


def test_a_phone_line_needs_the_operator_s_number() -> None:
    presence: dict[str, Any] = {
        "operator_id": 7,
        "revision": 1,
        "status": "available",
        "display_name": "Anna",
        "changed_at": NOW,
    }
    assert OperatorPresenceChanged(**presence).line == "browser"
    with pytest.raises(ValidationError, match="phone_number"):
        OperatorPresenceChanged(**presence, line="phone")
    assert OperatorPresenceChanged(**presence, line="phone", phone_number="+79160000001").phone_number
    request: dict[str, Any] = {"operator_id": 7, "attempt_id": 1, "order_id": 2, "customer_id": 3, "to": "+79161234567"}
    with pytest.raises(ValidationError, match="operator_phone"):
        http.OutboundCallRequest(**request, leg="phone")
    with pytest.raises(ValidationError, match="to"):
        http.OutboundCallRequest(**{**request, "to": "+7 916 123"})


def test_customer_routes_come_in_bounded_batches() -> None:
    route = CustomerRoute(customer_id=1, phone="+79161234567", owner_id=7, revision=1)
    with pytest.raises(ValidationError, match="customers"):
        CustomerRoutesChanged(customers=[], changed_at=NOW)
    with pytest.raises(ValidationError, match="customers"):
        CustomerRoutesChanged(customers=[route] * 1001, changed_at=NOW)


def test_a_call_snapshot_is_the_message_and_the_http_view() -> None:
    snapshot = CallSnapshot(
        call_id=uuid.uuid4(), revision=1, direction="outbound", state="dialing", offered_at=NOW, attempt_id=5
    )
    message = CallUpdated.model_validate(snapshot.model_dump())
    view = http.OutboundCallView(call=snapshot, connect_params={http.OUTBOUND_CONNECT_PARAMETER: str(snapshot.call_id)})
    assert message.attempt_id == view.call.attempt_id == 5
    with pytest.raises(ValidationError, match="state"):
        CallSnapshot(call_id=uuid.uuid4(), revision=1, direction="inbound", state="talking", offered_at=NOW)


def test_internal_paths_are_tenant_scoped_and_documented() -> None:
    paths = [value for name, value in vars(http).items() if name.endswith("_PATH")]
    assert len(paths) == 8
    doc = DOC.read_text(encoding="utf-8")
    for path in paths:
        assert path.startswith("/internal/v1/tenants/{tenant}/telephony/"), path
        tail = path.removeprefix(http.PREFIX)
        assert re.search(rf"`(GET|POST|PUT|DELETE) {re.escape(tail)}[` ]", doc), f"{tail} is not documented"
    assert {code.value for code in http.ProblemCode} <= set(re.findall(r"`([a-z_]+)`\s+\(\d{3}", doc))


def test_the_sandbox_softphone_speaks_the_sdk_s_event_names() -> None:
    assert SoftphoneEvent(event="incoming").event == "incoming"
    with pytest.raises(ValidationError):
        SoftphoneEvent.model_validate({"event": "ring"})
    assert SoftphoneDigits(digits="1#").digits == "1#"
    with pytest.raises(ValidationError, match="digits"):
        SoftphoneDigits(digits="1; DROP")
    with pytest.raises(ValidationError, match="params"):
        SoftphoneConnect(params={"call_id": "x" * 201})
