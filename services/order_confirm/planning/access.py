"""Who may read and change a tenant's plan; every planning query starts from the tenant this returns.

Supervisors and admins plan (shifts, templates, rosters, targets, recomputing); the shop's client manager
reads the plan and enters forecast overrides (the promotions and holidays only the shop knows of);
operators see nothing. Another tenant, or a role without access, is "not found" like everything else.
"""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session

from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Tenant
from services.order_confirm.service.scope import Scope, tenant_for_roles, tenant_row

READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.CLIENT_MANAGER})
PLANNERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
OVERRIDE_WRITERS = READERS
RowT = TypeVar("RowT")


def tenant_for(session: Session, scope: Scope, tenant_id: int, roles: frozenset[Role] = READERS) -> Tenant:
    return tenant_for_roles(session, scope, tenant_id, roles)


def row_of(session: Session, model: type[RowT], row_id: int, tenant_id: int, *, for_update: bool = False) -> RowT:
    """A planning row by id, only within the tenant already checked by `tenant_for`."""
    return tenant_row(session, model, row_id, tenant_id, noun=model.__name__, for_update=for_update)
