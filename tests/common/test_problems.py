"""Every error is a problem+json body with a machine-readable code — also what only the database notices."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from services.common.db import make_engine, transaction
from services.common.problems import Conflict, install_problem_handlers
from tests.support import live_server


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
