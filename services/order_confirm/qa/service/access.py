"""Who may do what in QA; every QA query starts from the tenant `tenant_for` returns and filters by it.

- `qa` (the quality department, tenant-scoped through its tenants like a supervisor): scorecards, the
  work queue, evaluating any conversation of its tenants, corrections, resolving disputes of evaluations
  it did not make itself (the quality lead's part), calibrations, kudos, reports, the QA settings;
- `supervisor`: reads scorecards, the queue and reports of its team; resolves its team's disputes; takes
  part in calibrations it is invited to; gets the coaching tasks;
- `client_manager` (the shop): reads scorecards and its tenant's quality reports, evaluates in the
  calibrations it is invited to, marks examples and gives kudos;
- `admin`: configuration (scorecards, settings) and reads everything of its tenants;
- `operator`: only their own submitted evaluations, to acknowledge or dispute once, and the kudos wall.
Anything else is "not found", like everywhere in Okno, so ids cannot be probed.
"""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, col, select

from services.common.problems import NotFound
from services.order_confirm.domain.vocabulary import Disposition, Role
from services.order_confirm.models import Attempt, Operator, Tenant
from services.order_confirm.service.scope import Scope, tenant_for_roles, tenant_row

READERS = frozenset({Role.QA, Role.SUPERVISOR, Role.ADMIN, Role.CLIENT_MANAGER})
CONFIGURERS = frozenset({Role.QA, Role.ADMIN})
QUEUE_READERS = frozenset({Role.QA, Role.SUPERVISOR, Role.ADMIN})
EVALUATORS = frozenset({Role.QA})
CALIBRATION_MEMBERS = frozenset({Role.QA, Role.SUPERVISOR, Role.CLIENT_MANAGER})
CALIBRATION_ORGANIZERS = frozenset({Role.QA, Role.CLIENT_MANAGER})
RESOLVERS = frozenset({Role.QA, Role.SUPERVISOR})
KUDOS_GIVERS = frozenset({Role.QA, Role.CLIENT_MANAGER})
EVERYONE = frozenset(Role)
CONVERSATIONS = tuple(d.value for d in Disposition if d.reached_customer)
RowT = TypeVar("RowT")


def tenant_for(session: Session, scope: Scope, tenant_id: int, roles: frozenset[Role] = READERS) -> Tenant:
    return tenant_for_roles(session, scope, tenant_id, roles)


def row_of(session: Session, model: type[RowT], row_id: int, tenant_id: int, *, for_update: bool = False) -> RowT:
    """A QA row by id, only within the tenant already checked by `tenant_for`."""
    return tenant_row(
        session, model, row_id, tenant_id, noun=model.__name__.removeprefix("Qa").lower(), for_update=for_update
    )


def conversation(session: Session, tenant_id: int, attempt_id: int, *, for_update: bool = False) -> Attempt:
    """A finished call of the tenant that reached the customer: what QA evaluates."""
    query = select(Attempt).where(
        Attempt.id == attempt_id,
        Attempt.tenant_id == tenant_id,
        col(Attempt.disposition).in_(CONVERSATIONS),
    )
    found = session.exec(query.with_for_update() if for_update else query).first()
    if found is None:
        raise NotFound(f"No conversation {attempt_id}.")
    return found


def team_of(session: Session, supervisor_id: int) -> set[int]:
    """The supervisor and the operators who report to them."""
    members = session.exec(select(Operator.id).where(Operator.supervisor_id == supervisor_id)).all()
    return {supervisor_id, *(member for member in members if member is not None)}


def operators_visible(session: Session, scope: Scope) -> set[int] | None:
    """Whose calls the caller may see in QA lists and reports: None = everyone of the tenant."""
    if scope.role is Role.SUPERVISOR:
        return team_of(session, scope.operator_id)
    if scope.role is Role.OPERATOR:
        return {scope.operator_id}
    return None
