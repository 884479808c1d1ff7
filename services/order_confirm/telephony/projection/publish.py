"""Send notify what changed in its routing projection: compare the wanted rows with what it was last told.

Each function takes the subjects that may have changed, works out their current state, and writes an outbox
message only for those whose state differs from the row in `telephony_projection` (the last one sent). The
subject's row is locked first (operator, customer, settings), so two transactions changing one subject send
their states one after the other, with growing revisions.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import AnyHttpUrl, BaseModel
from sqlmodel import Session, col, select

from contracts.routing import MessageType
from contracts.telephony import (
    CoverChanged,
    CustomerRoute,
    CustomerRoutesChanged,
    OperatorPresenceChanged,
    TelephonySettingsChanged,
)
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import (
    AuthSession,
    CoverRule,
    Customer,
    Operator,
    OperatorLine,
    OperatorTenant,
    ProjectionRow,
    TelephonySettings,
    Tenant,
)

PRESENCE, COVER, CUSTOMER = "presence", "cover", "customer"
ROUTES_PER_MESSAGE = 1000  # contracts.telephony.CustomerRoutesChanged.customers max_length
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class Sender:
    """Where projection messages go: the runtime's outbox (published right after commit), or, for a command
    run without a runtime, plain outbox rows that the running service's outbox sweep publishes."""

    def send(self, session: Session, message_type: MessageType, tenant: str, payload: BaseModel) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Context:
    session: Session
    sender: Sender
    now: datetime
    presence_idle: timedelta  # a login not refreshed for this long no longer counts as signed in

    def revision_after(self, previous: int) -> int:
        """Microseconds of now, or one more than the last revision when the clock has not moved (or went back)."""
        return max(int(self.now.timestamp() * 1_000_000), previous + 1)


def projected_tenants(session: Session, tenant_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Tenants with telephony settings (only those are projected): id -> slug."""
    query = select(Tenant.id, Tenant.slug).join(TelephonySettings, col(TelephonySettings.tenant_id) == col(Tenant.id))
    if tenant_ids is not None:
        query = query.where(col(Tenant.id).in_(sorted(set(tenant_ids))))
    return {int(tenant_id): slug for tenant_id, slug in session.exec(query) if tenant_id is not None}


def _published(ctx: Context, kind: str, tenant_ids: Iterable[int], subject_ids: Iterable[int]) -> dict[Any, Any]:
    query = select(ProjectionRow).where(
        col(ProjectionRow.kind) == kind,
        col(ProjectionRow.tenant_id).in_(sorted(set(tenant_ids))),
        col(ProjectionRow.subject_id).in_(sorted(set(subject_ids))),
    )
    return {(row.tenant_id, row.subject_id): row for row in ctx.session.exec(query)}


def _record(
    ctx: Context, kind: str, tenant_id: int, subject_id: int, state: dict[str, Any], row: ProjectionRow | None
) -> int | None:
    """The new revision when `state` differs from what was sent (and remember it); None when unchanged."""
    if row is not None and row.state == state:
        return None
    if row is None:
        row = ProjectionRow(
            tenant_id=tenant_id, kind=kind, subject_id=subject_id, revision=0, state={}, sent_at=ctx.now
        )
    row.revision = ctx.revision_after(row.revision)
    row.state, row.sent_at = state, ctx.now
    ctx.session.add(row)
    return row.revision


# --- customers ----------------------------------------------------------------------------------------


def customers(ctx: Context, tenants: dict[int, str], customer_ids: Iterable[int], *, skip_locked: bool = False) -> int:
    """Routes (number, owner) of these customers that changed; one message per tenant and 1000 customers.

    `skip_locked` (re-publication): a customer locked by another transaction is being changed right now, and
    that transaction sends its route when it commits."""
    ids = sorted(set(customer_ids))
    if not ids or not tenants:
        return 0
    query = (
        select(Customer.id, Customer.tenant_id, Customer.phone_e164, Customer.owner_id)
        .where(col(Customer.id).in_(ids), col(Customer.tenant_id).in_(sorted(tenants)))
        .order_by(col(Customer.id))
        .with_for_update(skip_locked=skip_locked)
    )
    found = list(ctx.session.exec(query))
    published = _published(ctx, CUSTOMER, tenants, ids)
    routes: dict[int, list[CustomerRoute]] = defaultdict(list)
    for found_id, tenant_id, e164, owner_id in found:
        customer_id = int(found_id or 0)
        phone = e164 if e164 and _E164.match(e164) else None
        state = {"phone": phone, "owner_id": owner_id}
        revision = _record(ctx, CUSTOMER, tenant_id, customer_id, state, published.get((tenant_id, customer_id)))
        if revision is not None:
            route = CustomerRoute(customer_id=customer_id, phone=phone, owner_id=owner_id, revision=revision)
            routes[tenant_id].append(route)
    for tenant_id, batch in routes.items():
        send_routes(ctx, tenants[tenant_id], batch)
    return sum(len(batch) for batch in routes.values())


def send_routes(ctx: Context, slug: str, routes: list[CustomerRoute]) -> None:
    for start in range(0, len(routes), ROUTES_PER_MESSAGE):
        message = CustomerRoutesChanged(customers=routes[start : start + ROUTES_PER_MESSAGE], changed_at=ctx.now)
        ctx.sender.send(ctx.session, MessageType.CUSTOMER_ROUTES_CHANGED, slug, message)


# --- operators' presence ------------------------------------------------------------------------------


def signed_in(ctx: Context, operator_ids: list[int]) -> set[int]:
    """Operators with a login that is open and still being used (the console refreshes it while open)."""
    query = select(AuthSession.operator_id).where(
        col(AuthSession.operator_id).in_(operator_ids),
        col(AuthSession.revoked_at).is_(None),
        col(AuthSession.expires_at) > ctx.now,
        col(AuthSession.last_refreshed_at) > ctx.now - ctx.presence_idle,
    )
    return {int(operator_id) for operator_id in ctx.session.exec(query)}


def presence(ctx: Context, tenants: dict[int, str], operator_ids: Iterable[int]) -> int:
    """Each operator as each projected tenant's routing should see them; `member: false` once they left."""
    ids = sorted(set(operator_ids))
    if not ids or not tenants:
        return 0
    operators = list(
        ctx.session.exec(select(Operator).where(col(Operator.id).in_(ids)).order_by(col(Operator.id)).with_for_update())
    )
    memberships: dict[int, set[int]] = defaultdict(set)
    for operator_id, tenant_id in ctx.session.exec(
        select(OperatorTenant.operator_id, OperatorTenant.tenant_id).where(col(OperatorTenant.operator_id).in_(ids))
    ):
        if tenant_id in tenants:
            memberships[operator_id].add(tenant_id)
    lines = {
        line.operator_id: line
        for line in ctx.session.exec(select(OperatorLine).where(col(OperatorLine.operator_id).in_(ids)))
    }
    live = signed_in(ctx, ids)
    published = _published(ctx, PRESENCE, tenants, ids)
    sent = 0
    for operator in operators:
        assert operator.id is not None
        takes_calls = operator.active and operator.role == Role.OPERATOR.value
        member_of = memberships[operator.id] if takes_calls else set()
        told = {
            tenant_id
            for (tenant_id, subject), row in published.items()
            if subject == operator.id and row.state["member"]
        }
        for tenant_id in sorted(member_of | told):
            member = tenant_id in member_of
            status = operator.status if member and operator.id in live else "offline"
            line = lines.get(operator.id)
            state = {
                "status": status,
                "member": member,
                "display_name": operator.name,
                "line": line.line if line else "browser",
                "phone_number": line.phone_number if line else None,
            }
            revision = _record(ctx, PRESENCE, tenant_id, operator.id, state, published.get((tenant_id, operator.id)))
            if revision is not None:
                message = OperatorPresenceChanged(
                    operator_id=operator.id, revision=revision, changed_at=ctx.now, **state
                )
                ctx.sender.send(ctx.session, MessageType.OPERATOR_PRESENCE_CHANGED, tenants[tenant_id], message)
                sent += 1
    return sent


# --- cover --------------------------------------------------------------------------------------------


def covers(ctx: Context, tenants: dict[int, str], pairs: Iterable[tuple[int, int]]) -> int:
    """(tenant, owner) -> who covers them now (None = nobody)."""
    wanted = sorted({(tenant_id, owner_id) for tenant_id, owner_id in pairs if tenant_id in tenants})
    if not wanted:
        return 0
    owners = sorted({owner_id for _, owner_id in wanted})
    ctx.session.exec(select(Operator.id).where(col(Operator.id).in_(owners)).with_for_update()).all()
    rules = {
        (rule.tenant_id, rule.owner_id): rule.cover_id
        for rule in ctx.session.exec(select(CoverRule).where(col(CoverRule.owner_id).in_(owners)))
    }
    published = _published(ctx, COVER, {tenant_id for tenant_id, _ in wanted}, owners)
    sent = 0
    for tenant_id, owner_id in wanted:
        cover_id = rules.get((tenant_id, owner_id))
        row = published.get((tenant_id, owner_id))
        if row is None and cover_id is None:
            continue  # notify never heard of a cover here: nothing to take back
        revision = _record(ctx, COVER, tenant_id, owner_id, {"cover_id": cover_id}, row)
        if revision is not None:
            message = CoverChanged(owner_id=owner_id, cover_id=cover_id, revision=revision, changed_at=ctx.now)
            ctx.sender.send(ctx.session, MessageType.COVER_CHANGED, tenants[tenant_id], message)
            sent += 1
    return sent


# --- tenant settings ----------------------------------------------------------------------------------


def settings_message(settings: TelephonySettings, tenant: Tenant, now: datetime) -> TelephonySettingsChanged:
    return TelephonySettingsChanged(
        revision=settings.revision,
        enabled=settings.enabled,
        numbers=list(settings.numbers),
        default_country=tenant.country,
        language=tenant.language[:2],
        timezone=tenant.timezone,
        owner_wait_seconds=settings.owner_wait_seconds,
        cover_wait_seconds=settings.cover_wait_seconds,
        ring_seconds=settings.ring_seconds,
        recording=settings.recording,
        announcement=settings.announcement,
        announcement_text=settings.announcement_text,
        retention_days=settings.retention_days,
        service_level_seconds=settings.service_level_seconds,
        short_abandon_seconds=settings.short_abandon_seconds,
        callback_offer=settings.callback_offer,
        max_queue_seconds=settings.max_queue_seconds,
        hold_music_url=AnyHttpUrl(settings.hold_music_url) if settings.hold_music_url else None,
        changed_at=now,
    )


def settings(ctx: Context, tenant_ids: Iterable[int]) -> list[int]:
    """Send each tenant's settings with a new revision; returns the tenants never projected before."""
    first_time = []
    for tenant_id in sorted(set(tenant_ids)):
        row = ctx.session.exec(
            select(TelephonySettings).where(col(TelephonySettings.tenant_id) == tenant_id).with_for_update()
        ).first()
        tenant = ctx.session.get(Tenant, tenant_id)
        if row is None or tenant is None:
            continue
        row.revision = ctx.revision_after(row.revision)
        ctx.session.add(row)
        ctx.sender.send(
            ctx.session, MessageType.TELEPHONY_SETTINGS_CHANGED, tenant.slug, settings_message(row, tenant, ctx.now)
        )
        never = ctx.session.exec(select(ProjectionRow.id).where(col(ProjectionRow.tenant_id) == tenant_id).limit(1))
        if never.first() is None:
            first_time.append(tenant_id)
    return first_time
