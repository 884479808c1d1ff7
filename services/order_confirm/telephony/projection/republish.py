"""Send a tenant's whole projection again (`okno telephony republish`, and a tenant's first settings).

Re-publication resends what notify was last told, with the same revisions (notify keeps what it has, or
fills a projection it lost), then compares everything with the current state and sends the differences
with new revisions. Running it twice, or while changes are being made, is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from contracts.routing import MessageType
from contracts.telephony import CoverChanged, CustomerRoute, OperatorPresenceChanged
from services.order_confirm.models import CoverRule, Customer, OperatorTenant, ProjectionRow, TelephonySettings, Tenant
from services.order_confirm.telephony.projection import publish

CUSTOMERS_PER_ROUND = 1000


@dataclass
class Republished:
    tenants: int = 0
    messages_resent: int = 0
    changes_sent: int = 0


def republish(ctx: publish.Context, tenant_ids: list[int] | None = None) -> Republished:
    tenants = publish.projected_tenants(ctx.session, tenant_ids)
    result = Republished(tenants=len(tenants))
    for tenant_id, slug in sorted(tenants.items()):
        result.messages_resent += _resend(ctx, tenant_id, slug)
    result.changes_sent = reconcile_tenants(ctx, tenants)
    return result


def _resend(ctx: publish.Context, tenant_id: int, slug: str) -> int:
    settings, tenant = ctx.session.get(TelephonySettings, tenant_id), ctx.session.get(Tenant, tenant_id)
    assert settings is not None and tenant is not None
    ctx.sender.send(
        ctx.session, MessageType.TELEPHONY_SETTINGS_CHANGED, slug, publish.settings_message(settings, tenant, ctx.now)
    )
    sent = 1
    rows = ctx.session.exec(
        select(ProjectionRow).where(col(ProjectionRow.tenant_id) == tenant_id).order_by(col(ProjectionRow.id))
    )
    routes: list[CustomerRoute] = []
    for row in rows:
        if row.kind == publish.PRESENCE:
            message = OperatorPresenceChanged(
                operator_id=row.subject_id, revision=row.revision, changed_at=ctx.now, **row.state
            )
            ctx.sender.send(ctx.session, MessageType.OPERATOR_PRESENCE_CHANGED, slug, message)
            sent += 1
        elif row.kind == publish.COVER:
            cover = CoverChanged(owner_id=row.subject_id, revision=row.revision, changed_at=ctx.now, **row.state)
            ctx.sender.send(ctx.session, MessageType.COVER_CHANGED, slug, cover)
            sent += 1
        elif row.kind == publish.CUSTOMER:
            routes.append(CustomerRoute(customer_id=row.subject_id, revision=row.revision, **row.state))
    publish.send_routes(ctx, slug, routes)
    return sent + -(-len(routes) // publish.ROUTES_PER_MESSAGE)


def reconcile_tenants(ctx: publish.Context, tenants: dict[int, str]) -> int:
    """Compare every projected subject of these tenants with what notify was told; send the differences."""
    sent = 0
    for tenant_id in sorted(tenants):
        one = {tenant_id: tenants[tenant_id]}
        operators = set(
            ctx.session.exec(select(OperatorTenant.operator_id).where(col(OperatorTenant.tenant_id) == tenant_id))
        )
        told = ctx.session.exec(
            select(ProjectionRow.kind, ProjectionRow.subject_id).where(col(ProjectionRow.tenant_id) == tenant_id)
        ).all()
        operators |= {subject for kind, subject in told if kind == publish.PRESENCE}
        sent += publish.presence(ctx, one, operators)
        owners = set(ctx.session.exec(select(CoverRule.owner_id).where(col(CoverRule.tenant_id) == tenant_id)))
        owners |= {subject for kind, subject in told if kind == publish.COVER}
        sent += publish.covers(ctx, one, [(tenant_id, owner) for owner in owners])
        sent += _reconcile_customers(ctx, one, tenant_id)
    return sent


def _reconcile_customers(ctx: publish.Context, tenants: dict[int, str], tenant_id: int) -> int:
    sent, after = 0, 0
    while True:
        ids = list(
            ctx.session.exec(
                select(Customer.id)
                .where(col(Customer.tenant_id) == tenant_id, col(Customer.id) > after)
                .order_by(col(Customer.id))
                .limit(CUSTOMERS_PER_ROUND)
            )
        )
        if not ids:
            return sent
        sent += publish.customers(ctx, tenants, [i for i in ids if i is not None], skip_locked=True)
        after = max(i for i in ids if i is not None)
