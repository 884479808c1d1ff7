"""Who may read and change a tenant's plan; every planning query starts from the tenant this returns.

Supervisors and admins plan (shifts, templates, rosters, targets, recomputing); the shop's client manager
reads the plan and enters forecast overrides (the promotions and holidays only the shop knows of);
operators see nothing. Another tenant, or a role without access, is "not found" like everything else.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, select

from services.common.problems import NotFound
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Tenant
from services.order_confirm.service.scope import Scope

READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.CLIENT_MANAGER})
PLANNERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
OVERRIDE_WRITERS = READERS
RowT = TypeVar("RowT")


def tenant_for(session: Session, scope: Scope, tenant_id: int, roles: frozenset[Role] = READERS) -> Tenant:
    tenant = session.get(Tenant, tenant_id) if scope.has_tenant(tenant_id) and scope.role in roles else None
    if tenant is None:
        raise NotFound(f"No tenant {tenant_id}.")
    return tenant


def row_of(session: Session, model: type[RowT], row_id: int, tenant_id: int, *, for_update: bool = False) -> RowT:
    """A planning row by id, only within the tenant already checked by `tenant_for`."""
    query: Any = select(model).where(model.id == row_id, model.tenant_id == tenant_id)  # type: ignore[attr-defined]
    found = session.exec(query.with_for_update() if for_update else query).first()
    if found is None:
        raise NotFound(f"No {model.__name__} {row_id}.")
    return found  # type: ignore[no-any-return]
