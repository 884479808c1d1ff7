"""`/api/v1/floor`: the supervisor's view of the floor (operators, queues per tenant, pool, covers)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from services.order_confirm.api.deps import NowDep, SessionDep, SupervisorScope
from services.order_confirm.planning import watch
from services.order_confirm.service import floor
from services.order_confirm.telephony import floor as telephony_floor

router = APIRouter(prefix="/api/v1", tags=["floor"])


class FloorOperator(BaseModel):
    id: int
    login: str
    name: str
    role: str
    status: str
    status_changed_at: datetime
    capacity: int
    tenant_ids: list[int]
    active_customers: int
    open_tasks: int
    due_tasks: int
    in_call_order_id: int | None


class FloorTenant(BaseModel):
    id: int
    slug: str
    name: str
    timezone: str
    open_tasks: int
    due_tasks: int
    unassigned_customers: int
    oldest_waiting_order_id: int | None
    oldest_waiting_since: datetime | None


class PoolCustomer(BaseModel):
    customer_id: int
    tenant_id: int
    name: str
    phone: str | None
    open_orders: int
    waiting_since: datetime


class FloorCover(BaseModel):
    id: int
    tenant_id: int
    owner_id: int
    cover_id: int
    created_at: datetime


class GapInterval(BaseModel):
    starts_at: datetime
    required: int | None  # None: no plan covers this interval
    planned: int
    present: int | None  # operators on shift now (the current interval only)
    short: int


class TenantGap(BaseModel):
    tenant_id: int
    intervals: list[GapInterval]  # the current half hour and the next two
    next_hour_short: int
    alert: bool  # the next hour is short by more than the tenant's `short_alert_operators`


class PhoneTalking(BaseModel):
    operator_id: int
    operator_name: str
    direction: str  # inbound | outbound
    call_id: str
    since: datetime  # answered
    on_hold: bool
    customer_id: int | None


class PhoneFloor(BaseModel):
    """Live calls of one tenant (from notify's call facts): callers waiting now and who is talking."""

    tenant_id: int
    waiting: int  # queued or ringing an operator
    oldest_waiting_since: datetime | None
    longest_wait_seconds: int | None
    talking: list[PhoneTalking]


class FloorView(BaseModel):
    operators: list[FloorOperator]
    tenants: list[FloorTenant]
    pool: list[PoolCustomer]
    covers: list[FloorCover]
    planning: list[TenantGap] = []
    phone: list[PhoneFloor] = []


def floor_view(state: floor.Floor) -> FloorView:
    return FloorView(
        operators=[
            FloorOperator(
                id=load.operator.id or 0,
                login=load.operator.login,
                name=load.operator.name,
                role=load.operator.role,
                status=load.operator.status,
                status_changed_at=load.operator.status_changed_at,
                capacity=load.operator.capacity,
                tenant_ids=load.tenant_ids,
                active_customers=load.active_customers,
                open_tasks=load.open_tasks,
                due_tasks=load.due_tasks,
                in_call_order_id=load.in_call_order_id,
            )
            for load in state.operators
        ],
        tenants=[
            FloorTenant(
                id=queue.tenant.id or 0,
                slug=queue.tenant.slug,
                name=queue.tenant.name,
                timezone=queue.tenant.timezone,
                open_tasks=queue.open_tasks,
                due_tasks=queue.due_tasks,
                unassigned_customers=queue.unassigned_customers,
                oldest_waiting_order_id=queue.oldest_waiting_order_id,
                oldest_waiting_since=queue.oldest_waiting_since,
            )
            for queue in state.tenants
        ],
        pool=[
            PoolCustomer(
                customer_id=entry.customer.id or 0,
                tenant_id=entry.customer.tenant_id,
                name=entry.customer.name,
                phone=entry.customer.phone_e164 or entry.customer.phone_raw,
                open_orders=entry.open_orders,
                waiting_since=entry.waiting_since,
            )
            for entry in state.pool
        ],
        covers=[FloorCover.model_validate(rule, from_attributes=True) for rule in state.covers],
    )


def gap_view(gap: watch.TenantGap) -> TenantGap:
    intervals = [
        GapInterval(starts_at=i.starts_at, required=i.required, planned=i.planned, present=i.present, short=i.short)
        for i in gap.intervals
    ]
    return TenantGap(
        tenant_id=gap.tenant.id or 0, intervals=intervals, next_hour_short=gap.next_hour_short, alert=gap.alert
    )


def phone_view(entry: telephony_floor.PhoneFloor) -> PhoneFloor:
    talking = [
        PhoneTalking(
            operator_id=t.operator_id, operator_name=t.operator_name, direction=t.direction, call_id=t.call_id,
            since=t.since, on_hold=t.on_hold, customer_id=t.customer_id,
        )
        for t in entry.talking
    ]  # fmt: skip
    return PhoneFloor(
        tenant_id=entry.tenant_id, waiting=entry.waiting, oldest_waiting_since=entry.oldest_waiting_since,
        longest_wait_seconds=entry.longest_wait_seconds, talking=talking,
    )  # fmt: skip


@router.get("/floor", response_model=FloorView)
def get_floor(session: SessionDep, scope: SupervisorScope, now: NowDep) -> FloorView:
    view = floor_view(floor.floor_of(session, scope, now))
    view.planning = [gap_view(gap) for gap in watch.floor_gaps(session, scope.tenant_ids, now)]
    view.phone = [phone_view(entry) for entry in telephony_floor.phone_floor(session, scope, now)]
    return view
