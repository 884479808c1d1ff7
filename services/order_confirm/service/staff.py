"""Admin work on tenants and staff through the API: always within the admin's own tenants.

An admin sees and changes only operators who work for one of the admin's tenants, and can give an
operator only tenants the admin works for; everything else is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from services.common.problems import NotFound
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Operator, OperatorTenant, Tenant
from services.order_confirm.security.passwords import hash_password
from services.order_confirm.service import audit, tenancy
from services.order_confirm.service.scope import Scope
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec


@dataclass(frozen=True)
class OperatorChanges:
    name: str | None = None
    capacity: int | None = None
    active: bool | None = None
    password: str | None = None
    tenant_slugs: tuple[str, ...] | None = None


def create_tenant(session: Session, scope: Scope, spec: TenantSpec, *, now: datetime) -> Tenant:
    """The creating admin works for the new tenant at once (else they could not see what they made)."""
    tenant = tenancy.add_tenant(session, spec, now=now, actor=scope.operator)
    assert tenant.id is not None
    session.add(OperatorTenant(operator_id=scope.operator_id, tenant_id=tenant.id))
    session.flush()
    return tenant


def tenants_in_scope(session: Session, scope: Scope, slugs: tuple[str, ...]) -> list[Tenant]:
    tenants = [tenancy.find_tenant(session, slug) for slug in slugs]
    missing = [
        slug
        for slug, tenant in zip(slugs, tenants, strict=True)
        if tenant is None or not scope.has_tenant(tenant.id or 0)
    ]
    if missing:
        raise tenancy.UnknownTenant(f"No tenant {', '.join(map(repr, missing))}.")
    return [tenant for tenant in tenants if tenant is not None]


def create_operator(session: Session, scope: Scope, spec: OperatorSpec, *, now: datetime) -> Operator:
    tenants_in_scope(session, scope, spec.tenant_slugs)
    return tenancy.add_operator(session, spec, now=now, actor=scope.operator)


def operators_in_scope(session: Session, scope: Scope) -> list[Operator]:
    shared = select(OperatorTenant.operator_id).where(col(OperatorTenant.tenant_id).in_(sorted(scope.tenant_ids)))
    query = select(Operator).where(col(Operator.id).in_(shared)).order_by(col(Operator.login))
    return list(session.exec(query))


def get_operator(session: Session, scope: Scope, operator_id: int, *, for_update: bool = False) -> Operator:
    query = select(Operator).where(
        Operator.id == operator_id,
        col(Operator.id).in_(
            select(OperatorTenant.operator_id).where(col(OperatorTenant.tenant_id).in_(sorted(scope.tenant_ids)))
        ),
    )
    operator = session.exec(query.with_for_update() if for_update else query).first()
    if operator is None:
        raise NotFound(f"No operator {operator_id}.")
    return operator


def change_operator(
    session: Session, scope: Scope, operator_id: int, changes: OperatorChanges, *, now: datetime
) -> Operator:
    operator = get_operator(session, scope, operator_id, for_update=True)
    before = {"name": operator.name, "capacity": operator.capacity, "active": operator.active}
    check = OperatorSpec(
        operator.login,
        changes.name or operator.name,
        Role(operator.role),
        changes.password or "x" * 8,
        (),
        operator.capacity if changes.capacity is None else changes.capacity,
    )
    tenancy.check_operator_spec(check)
    operator.name, operator.capacity = check.name.strip(), check.capacity
    if changes.active is not None:
        operator.active = changes.active
        if not changes.active and operator.status != OperatorStatus.OFFLINE.value:
            tenancy.record_status(session, operator, OperatorStatus.OFFLINE, now=now, actor=scope.operator)
    if changes.password is not None:
        operator.password_hash = hash_password(changes.password)
    if changes.tenant_slugs is not None:
        tenancy.set_operator_tenants(session, operator, tenants_in_scope(session, scope, changes.tenant_slugs))
    session.add(operator)
    after = {"name": operator.name, "capacity": operator.capacity, "active": operator.active}
    if changes.tenant_slugs is not None:
        after["tenants"] = list(changes.tenant_slugs)
    for tenant_id in sorted(scope.tenant_ids):
        audit.record(
            session,
            now=now,
            actor=scope.operator,
            action="operator.changed",
            entity="operator",
            entity_id=operator_id,
            tenant_id=tenant_id,
            before=before,
            after=after,
        )
    return operator


def change_status(
    session: Session, scope: Scope, operator_id: int, status: OperatorStatus, *, now: datetime
) -> Operator:
    """Operators set their own status; supervisors and admins may set anyone's in their tenants."""
    if operator_id == scope.operator_id:
        operator = scope.operator
    elif scope.role in (Role.SUPERVISOR, Role.ADMIN):
        operator = get_operator(session, scope, operator_id, for_update=True)
    else:
        raise NotFound(f"No operator {operator_id}.")
    return tenancy.set_operator_status(session, operator, status, now=now, actor=scope.operator)
