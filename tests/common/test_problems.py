"""Every error is a problem+json body with a machine-readable code — also what only the database notices."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
import structlog
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from services.common import request_sessions
from services.common.app import base_app
from services.common.db import make_engine, transaction
from services.common.problems import Conflict, install_problem_handlers
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.settings import OrderConfirmSettings
from tests.support import live_server, run_coroutine


class Note(BaseModel):
    text: str


class NoteExists(Conflict):
    code, title = "note_exists", "This note exists"


def test_domain_errors_validation_errors_and_unstorable_values_are_problems(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/notes")
    def add_note(note: Note) -> dict[str, str]:
        if note.text == "again":
            raise NoteExists("A note with this text exists.", existing_id=7)
        with transaction(engine) as session:
            session.execute(text("SELECT CAST(:text AS text)"), {"text": note.text})
        return {"text": note.text}

    with live_server(app) as base_url:
        assert httpx.post(f"{base_url}/notes", json={"text": "fine"}).status_code == 200

        nul = httpx.post(f"{base_url}/notes", json={"text": "bad\u0000byte"})
        assert nul.status_code == 422 and nul.headers["content-type"] == "application/problem+json"
        assert nul.json()["code"] == "unstorable_value"

        conflict = httpx.post(f"{base_url}/notes", json={"text": "again"})
        assert (conflict.status_code, conflict.json()["code"], conflict.json()["existing_id"]) == (
            409,
            "note_exists",
            7,
        )

        invalid = httpx.post(f"{base_url}/notes", json={"txt": 1})
        assert invalid.status_code == 422
        assert [error["field"] for error in invalid.json()["errors"]] == ["text"]
    engine.dispose()


def test_an_unhandled_error_is_a_500_problem_with_the_request_id_and_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = order_confirm_wiring.build(OrderConfirmSettings(database_url=f"sqlite:///{tmp_path / 'okno.db'}"))
    app = base_app(runtime, title="probe")

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    with (
        live_server(app) as base_url,
        structlog.testing.capture_logs() as logs,
        caplog.at_level(logging.WARNING),
    ):
        answer = httpx.get(f"{base_url}/bug", headers={"X-Request-ID": "req-bug-1"})

    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "internal_error"
    assert answer.json()["request_id"] == answer.headers["x-request-id"] == "req-bug-1"
    assert "a bug" not in answer.text, "no internals in the answer"
    failed = [line for line in logs if line["event"] == "request.failed"]
    assert len(failed) == 1 and failed[0]["path"] == "/bug"  # request_id: bound by RequestIdMiddleware
    assert isinstance(failed[0]["exc_info"], RuntimeError)
    assert not [record for record in caplog.records if record.exc_info], "the server logs no second traceback"
    runtime.engine.dispose()


def test_a_request_that_waits_too_long_for_a_connection_is_503_database_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(request_sessions, "POOL_TIMEOUT_SECONDS", 0.3)
    runtime = order_confirm_wiring.build(OrderConfirmSettings(database_url=f"sqlite:///{tmp_path / 'okno.db'}"))
    app = base_app(runtime, title="probe")

    @app.get("/needs-a-session")
    async def needs_a_session() -> dict[str, str]:
        async with request_sessions.gated_session(runtime):
            return {"status": "ok"}

    gate = runtime.request_gate
    with live_server(app) as base_url, structlog.testing.capture_logs() as logs:
        for _ in range(gate.slots):  # every slot held, as by requests stuck on a slow database
            run_coroutine(gate.acquire())
        busy = [httpx.get(f"{base_url}/needs-a-session") for _ in range(3)]
        for _ in range(gate.slots):
            gate.release()
        free = httpx.get(f"{base_url}/needs-a-session")

    for answer in busy:
        assert answer.status_code == 503
        assert answer.json()["code"] == "database_busy"
        assert answer.headers["retry-after"] == "2"
    assert free.status_code == 200
    assert gate.in_use == 0, "a request that gave up holds no slot"
    assert len([line for line in logs if line["event"] == "database.busy"]) == 1
    runtime.engine.dispose()
