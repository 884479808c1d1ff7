"""`/api/v1/customers/{id}`: the customer's whole history, notes, and permanent owner reassignment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, StringConstraints

from services.order_confirm.api.deps import BodyId, NowDep, PathId, SessionDep, SupervisorScope, WorkerScope
from services.order_confirm.api.views import CustomerBrief, OrderBrief, customer_brief, order_brief
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
    id: int
    kind: str
    summary: str
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


def _event(event: TimelineEvent) -> EventView:
    return EventView.model_validate(event, from_attributes=True)


@router.get("/{customer_id}", response_model=CustomerHistoryView, responses=NOT_FOUND)
def customer_history(session: SessionDep, scope: WorkerScope, customer_id: PathId) -> CustomerHistoryView:
    found = customers.history(session, scope, customer_id)
    return CustomerHistoryView(
        customer=customer_brief(found.customer),
        owner=OwnerView.model_validate(found.owner, from_attributes=True) if found.owner else None,
        orders=[order_brief(order) for order in found.orders],
        timeline=[_event(event) for event in found.events],
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
