"""What a batch of snapshots reads before it writes: its tenants, and which of its orders are known already.

One statement, built once: the tenants by slug with, joined to them, those of the batch's orders they hold
(service/intake_batch.py applies those one by one). Read without locks, like the ORM's tenant read it replaces.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, select
from sqlmodel import col

from services.order_confirm.models import Order, Tenant
from services.order_confirm.service.intake import TenantRef
from services.order_confirm.service.tenancy import UnknownTenant

_TENANTS_AND_KNOWN_ORDERS = (
    select(col(Tenant.id), col(Tenant.slug), col(Tenant.country), col(Tenant.timezone), col(Order.external_id))
    .outerjoin(
        Order,
        and_(
            col(Order.tenant_id) == col(Tenant.id),
            col(Order.external_id).in_(bindparam("external_ids", expanding=True)),
        ),
    )
    .where(col(Tenant.slug).in_(bindparam("slugs", expanding=True)))
)


def tenants_and_known_orders(
    connection: Connection, slugs: list[str], external_ids: list[str]
) -> tuple[dict[str, TenantRef], set[tuple[int, str]]]:
    """Each slug's tenant, and the (tenant id, external id) of the given orders that exist in any of them.
    Raises `UnknownTenant` for a slug no tenant has, as `tenancy.get_tenant` does."""
    tenants: dict[str, TenantRef] = {}
    known: set[tuple[int, str]] = set()
    parameters = {"slugs": sorted(set(slugs)), "external_ids": sorted(set(external_ids))}
    for row in connection.execute(_TENANTS_AND_KNOWN_ORDERS, parameters):
        tenant_id, slug, country, timezone, external_id = int(row[0] or 0), row[1], row[2], row[3], row[4]
        tenants.setdefault(slug, TenantRef(tenant_id, country, timezone))
        if external_id is not None:
            known.add((tenant_id, external_id))
    for slug in slugs:
        if slug not in tenants:
            raise UnknownTenant(f"No tenant {slug!r}.")
    return tenants, known
