"""Sandboxes only where asked for: a missing credential is "not configured" (503 on its routes), never a sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

from services.common.app import base_app
from services.common.capabilities import Capability, CapabilityState, decide, require_capability
from services.common.settings import ServiceSettings
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.settings import OrderConfirmSettings


def test_a_missing_credential_is_never_a_sandbox_unless_one_was_asked_for() -> None:
    production = decide("voice", credentials_present=False, sandbox_requested=False, missing="OKNO_NOTIFY_TWILIO_*")
    assert production.state is CapabilityState.NOT_CONFIGURED
    assert "OKNO_NOTIFY_TWILIO_*" in production.detail
    demo = decide("voice", credentials_present=False, sandbox_requested=True, missing="OKNO_NOTIFY_TWILIO_*")
    assert demo.state is CapabilityState.SANDBOX
    real = decide("voice", credentials_present=True, sandbox_requested=True, missing="OKNO_NOTIFY_TWILIO_*")
    assert real.state is CapabilityState.CONFIGURED, "real credentials win over the sandbox setting"


def test_sandbox_setting_is_off_by_default_and_read_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServiceSettings().sandbox is False
    monkeypatch.setenv("OKNO_SANDBOX", "true")
    monkeypatch.setenv("OKNO_ORDER_CONFIRM_SANDBOX", "false")
    assert ServiceSettings().sandbox is True
    assert OrderConfirmSettings().sandbox is False, "the service's own prefix wins over the shared one"


def test_readyz_lists_capabilities_and_their_routes_answer_503_with_retry_after(tmp_path: Path) -> None:
    runtime = order_confirm_wiring.build(
        OrderConfirmSettings(database_url=f"sqlite:///{tmp_path / 'okno.db'}", redis_url=None)
    )
    runtime.capabilities.declare(Capability("voice", CapabilityState.NOT_CONFIGURED, "not configured: set X"))
    runtime.capabilities.declare(Capability("sms", CapabilityState.SANDBOX, "local sandbox"))
    app = base_app(runtime, title="probe")

    @app.get("/calls")
    def calls(_: Annotated[Capability, Depends(require_capability("voice"))]) -> dict[str, str]:
        return {"placed": "yes"}

    @app.get("/sandbox/outbox")
    def outbox(_: Annotated[Capability, Depends(require_capability("sms", sandbox_only=True))]) -> dict[str, str]:
        return {"texts": "none"}

    @app.get("/real-only")
    def real_only(_: Annotated[Capability, Depends(require_capability("missing"))]) -> dict[str, str]:
        return {}

    client = TestClient(app)
    ready = client.get("/readyz").json()
    assert ready["capabilities"] == {
        "sms": {"state": "sandbox", "detail": "local sandbox"},
        "voice": {"state": "not_configured", "detail": "not configured: set X"},
    }

    refused = client.get("/calls")
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "300"
    assert refused.json()["code"] == "capability_not_configured"
    assert refused.json()["capability"] == "voice"
    assert client.get("/real-only").status_code == 503, "an undeclared capability is not configured"
    assert client.get("/sandbox/outbox").json() == {"texts": "none"}

    runtime.capabilities.declare(Capability("sms", CapabilityState.CONFIGURED, "credentials present"))
    assert client.get("/sandbox/outbox").status_code == 404, "sandbox pages vanish once the real provider is set"
    runtime.engine.dispose()
