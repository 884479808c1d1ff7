"""`/api/v1/customers/{id}`: the customer's whole history, notes, and permanent owner reassignment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.order_confirm.api.deps import (
    BodyId,
    NowDep,
    PathId,
    ReaderLanguage,
    SessionDep,
    SupervisorScope,
    WorkerScope,
)
from services.order_confirm.api.views import CustomerBrief, OrderBrief, customer_brief, order_brief
from services.order_confirm.domain.timeline_text import render
from services.order_confirm.models import Note, TimelineEvent
from services.order_confirm.service import customers

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such customer in your scope"}}
NoteText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class OwnerView(BaseModel):
    id: int
    login: str
    name: str
    status: str


class EventView(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 41,
                    "kind": "attempt",
                    "params": {
                        "external_id": "TEA-1001",
                        "disposition": "no_answer",
                        "reason_code": None,
                        "callback_at": None,
                        "next_attempt_at": "2026-11-23T10:05:00+00:00",
                    },
                    "text": "Звонок по заказу TEA-1001: не ответил, следующая попытка 23 нояб. 2026, 13:05 "
                    "(Europe/Moscow)",
                    "summary": "Call about order TEA-1001: no answer, next try at 23 Nov 2026, 13:05 (Europe/Moscow)",
                    "order_id": 7,
                    "actor_id": 3,
                    "occurred_at": "2026-11-23T09:50:00Z",
                    "details": {"attempt_id": 12, "disposition": "no_answer", "status": "no_answer"},
                }
            ]
        }
    )
    id: int
    kind: str = Field(description="What happened (docs/vocabulary.md, timeline kinds)")
    params: dict[str, Any] = Field(description="The fact's parameters (docs/workflow.md lists them per kind)")
    text: str = Field(description="The line in the reader's language (Accept-Language; else the operator's)")
    summary: str = Field(description="The line in English as written (kept for readers of the stored rows)")
    order_id: int | None
    actor_id: int | None
    occurred_at: datetime
    details: dict[str, Any]


class NoteView(BaseModel):
    id: int
    customer_id: int
    order_id: int | None
    author_id: int | None
    text: str
    created_at: datetime


class CustomerHistoryView(BaseModel):
    customer: CustomerBrief
    owner: OwnerView | None
    orders: list[OrderBrief]
    timeline: list[EventView]
    notes: list[NoteView]


class NoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: NoteText
    order_id: BodyId | None = None


class OwnerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator_id: BodyId
    reason: Reason


def _note(note: Note) -> NoteView:
    return NoteView.model_validate(note, from_attributes=True)


def _event(event: TimelineEvent, language: str, timezone: str) -> EventView:
    # A row from before facts that could not be migrated has no parameters: its text is the line as written.
    text = render(event.kind, event.params, language=language, timezone=timezone) or event.summary
    return EventView.model_validate({**event.model_dump(), "text": text})


@router.get("/{customer_id}", response_model=CustomerHistoryView, responses=NOT_FOUND)
def customer_history(
    session: SessionDep, scope: WorkerScope, language: ReaderLanguage, response: Response, customer_id: PathId
) -> CustomerHistoryView:
    """The timeline's lines are told in the reader's language (`Content-Language` says which)."""
    found = customers.history(session, scope, customer_id)
    response.headers["Content-Language"] = language
    timezone = found.customer.timezone
    return CustomerHistoryView(
        customer=customer_brief(found.customer),
        owner=OwnerView.model_validate(found.owner, from_attributes=True) if found.owner else None,
        orders=[order_brief(order) for order in found.orders],
        timeline=[_event(event, language, timezone) for event in found.events],
        notes=[_note(note) for note in found.notes],
    )


@router.post("/{customer_id}/notes", response_model=NoteView, status_code=201, responses=NOT_FOUND)
def add_note(session: SessionDep, scope: WorkerScope, now: NowDep, customer_id: PathId, body: NoteRequest) -> NoteView:
    note = customers.add_note(session, scope, customer_id, text=body.text, order_id=body.order_id, now=now)
    return _note(note)


@router.post("/{customer_id}/owner", response_model=CustomerBrief, responses=NOT_FOUND)
def reassign_owner(
    session: SessionDep, scope: SupervisorScope, now: NowDep, customer_id: PathId, body: OwnerRequest
) -> CustomerBrief:
    customer = customers.reassign_owner(
        session, scope, customer_id, new_owner_id=body.operator_id, reason=body.reason, now=now
    )
    return customer_brief(customer)
