"""The phone on the supervisor's floor, from the call facts notify reported: per tenant, the callers waiting
now (queued or ringing an operator: how many, since when) and who is talking (inbound or outbound, since
when, on hold or not).

A call counts while its last snapshot says it is not over; notify's sweep ends calls whose callbacks never
came, so a lost callback does not leave a caller "waiting" here for ever. Talking operators are limited to
those the caller sees on the floor (a supervisor's team; every operator of an admin's tenants).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlmodel import Session, col, select

from services.order_confirm.models import InboundCall, Operator, OutboundCall
from services.order_confirm.service.floor import team_members
from services.order_confirm.service.scope import Scope

WAITING_STATES = ("queued", "ringing")


@dataclass(frozen=True)
class Talking:
    tenant_id: int
    operator_id: int
    operator_name: str
    direction: str
    call_id: str
    since: datetime
    on_hold: bool
    customer_id: int | None


@dataclass(frozen=True)
class PhoneFloor:
    tenant_id: int
    waiting: int
    oldest_waiting_since: datetime | None
    longest_wait_seconds: int | None
    talking: list[Talking]


def phone_floor(session: Session, scope: Scope, now: datetime) -> list[PhoneFloor]:
    tenant_ids = sorted(scope.tenant_ids)
    waiting: dict[int, list[datetime]] = {tenant_id: [] for tenant_id in tenant_ids}
    for tenant_id, offered_at in session.exec(
        select(InboundCall.tenant_id, InboundCall.offered_at).where(
            col(InboundCall.tenant_id).in_(tenant_ids),
            col(InboundCall.state).in_(WAITING_STATES),
            col(InboundCall.answered_at).is_(None),
        )
    ):
        waiting[tenant_id].append(offered_at)
    talking: dict[int, list[Talking]] = {tenant_id: [] for tenant_id in tenant_ids}
    for call, name in [*_in_progress(session, scope, InboundCall), *_in_progress(session, scope, OutboundCall)]:
        talking[call.tenant_id].append(_talking(call, name))
    return [_tenant_floor(tenant_id, waiting[tenant_id], talking[tenant_id], now) for tenant_id in tenant_ids]


def _in_progress(
    session: Session, scope: Scope, table: type[InboundCall] | type[OutboundCall]
) -> list[tuple[InboundCall | OutboundCall, str]]:
    query = (
        select(table, Operator.name)
        .join(Operator, col(Operator.id) == col(table.operator_id))
        .where(
            col(table.tenant_id).in_(sorted(scope.tenant_ids)), col(table.state) == "in_progress", team_members(scope)
        )
    )
    return [(cast(InboundCall | OutboundCall, call), name) for call, name in session.exec(query)]


def _talking(call: InboundCall | OutboundCall, name: str) -> Talking:
    assert call.operator_id is not None
    return Talking(
        tenant_id=call.tenant_id,
        operator_id=call.operator_id,
        operator_name=name,
        direction="inbound" if isinstance(call, InboundCall) else "outbound",
        call_id=call.call_id,
        since=call.answered_at or call.offered_at,
        on_hold=call.on_hold,
        customer_id=call.customer_id,
    )


def _tenant_floor(tenant_id: int, offered: list[datetime], talking: list[Talking], now: datetime) -> PhoneFloor:
    oldest = min(offered, default=None)
    return PhoneFloor(
        tenant_id=tenant_id,
        waiting=len(offered),
        oldest_waiting_since=oldest,
        longest_wait_seconds=max(0, int((now - oldest).total_seconds())) if oldest else None,
        talking=sorted(talking, key=lambda entry: (entry.since, entry.operator_id)),
    )
