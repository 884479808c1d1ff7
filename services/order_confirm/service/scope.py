"""The one place where tenant and ownership filters are applied: every query of scoped data goes through here.

Who sees what (DESIGN.md "Roles and isolation"):
- operator: customers of their tenants they own, or cover through an open cover task;
- supervisor: customers of their tenants owned by themselves, by their team, or by nobody (the pool);
- admin: every customer of their tenants;
- client_manager (the shop): no customer or order data; audit and reports of their tenants only.
Anything outside that is "not found", so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, exists, false, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from services.common.problems import NotFound
from services.order_confirm.domain.vocabulary import Role, TaskStatus
from services.order_confirm.models import AuditEntry, Customer, Operator, OperatorTenant, Order, Task, Tenant

ModelT = TypeVar("ModelT")


@dataclass(frozen=True)
class Scope:
    """The caller and the tenants they work for; built once per request."""

    operator: Operator
    tenant_ids: frozenset[int]

    @property
    def operator_id(self) -> int:
        assert self.operator.id is not None
        return self.operator.id

    @property
    def role(self) -> Role:
        return Role(self.operator.role)

    def has_tenant(self, tenant_id: int) -> bool:
        return tenant_id in self.tenant_ids


def scope_of(session: Session, operator: Operator) -> Scope:
    rows = session.exec(select(OperatorTenant.tenant_id).where(OperatorTenant.operator_id == operator.id))
    return Scope(operator, frozenset(int(tenant_id) for tenant_id in rows))


def _in_tenants(column: Any, scope: Scope) -> ColumnElement[bool]:
    return col(column).in_(sorted(scope.tenant_ids)) if scope.tenant_ids else false()


def visible_customers(scope: Scope) -> ColumnElement[bool]:
    """A WHERE clause on `Customer` selecting exactly the customers the caller may see."""
    tenants = _in_tenants(Customer.tenant_id, scope)
    me = scope.operator_id
    if scope.role is Role.ADMIN:
        return tenants
    if scope.role is Role.SUPERVISOR:
        team = select(Operator.id).where(Operator.supervisor_id == me)
        return and_(
            tenants,
            or_(col(Customer.owner_id).is_(None), col(Customer.owner_id) == me, col(Customer.owner_id).in_(team)),
        )
    if scope.role is Role.OPERATOR:
        covering = exists().where(
            col(Task.customer_id) == col(Customer.id),
            col(Task.assignee_id) == me,
            col(Task.is_cover).is_(True),
            col(Task.status) == TaskStatus.OPEN.value,
        )
        return and_(tenants, or_(col(Customer.owner_id) == me, covering))
    return false()


def visible_orders(scope: Scope) -> ColumnElement[bool]:
    """A WHERE clause on `Order`: orders of visible customers."""
    # Correlated, so the database checks the one customer of each candidate row, not the whole tenant.
    customer = exists().where(col(Customer.id) == col(Order.customer_id), visible_customers(scope))
    return and_(_in_tenants(Order.tenant_id, scope), customer)


def visible_tasks(scope: Scope) -> ColumnElement[bool]:
    customer = exists().where(col(Customer.id) == col(Task.customer_id), visible_customers(scope))
    return and_(_in_tenants(Task.tenant_id, scope), customer)


def my_tasks(scope: Scope) -> ColumnElement[bool]:
    """Tasks in the caller's own queue. Being the assignee (owner or cover) is what makes a task visible,
    so no ownership check is needed: the hot path of every claim stays one index range."""
    return and_(_in_tenants(Task.tenant_id, scope), col(Task.assignee_id) == scope.operator_id)


def tasks_of_operator(operator_id: int | ColumnElement[int]) -> ColumnElement[bool]:
    """`my_tasks` for a caller known only by id (the claim folds the scope lookup into its statement)."""
    tenants = select(OperatorTenant.tenant_id).where(OperatorTenant.operator_id == operator_id)
    return and_(col(Task.tenant_id).in_(tenants), col(Task.assignee_id) == operator_id)


def visible_audit(scope: Scope) -> ColumnElement[bool]:
    """Supervisors, admins and the shop's client manager read the audit log of their tenants; operators do not."""
    if scope.role is Role.OPERATOR:
        return false()
    return _in_tenants(AuditEntry.tenant_id, scope)


def get_customer(session: Session, scope: Scope, customer_id: int, *, for_update: bool = False) -> Customer:
    query = select(Customer).where(Customer.id == customer_id, visible_customers(scope))
    return _one(session, query, for_update, f"No customer {customer_id}.")


def get_order(session: Session, scope: Scope, order_id: int, *, for_update: bool = False) -> Order:
    query = select(Order).where(Order.id == order_id, visible_orders(scope))
    if for_update:
        # Lock order customer -> order (-> operator), as intake does and as the counter triggers do
        # (migration "active_customer_counters"): the other way round two writers could deadlock.
        owner_of = select(Order.customer_id).where(Order.id == order_id).scalar_subquery()
        session.exec(select(Customer.id).where(Customer.id == owner_of).with_for_update()).first()
    return _one(session, query, for_update, f"No order {order_id}.")


def get_operator_in_tenant(session: Session, scope: Scope, operator_id: int, tenant_id: int) -> Operator:
    """An operator who works for `tenant_id`, which the caller must work for too."""
    if not scope.has_tenant(tenant_id):
        # Answered without a query: `false()` would swallow the join condition below (a cartesian product).
        raise NotFound(f"No operator {operator_id}.")
    query = select(Operator).where(
        Operator.id == operator_id,
        col(Operator.active).is_(True),
        _in_tenants(OperatorTenant.tenant_id, scope),
        OperatorTenant.operator_id == Operator.id,
        OperatorTenant.tenant_id == tenant_id,
    )
    return _one(session, query, False, f"No operator {operator_id}.")


def _one(session: Session, query: SelectOfScalar[ModelT], for_update: bool, detail: str) -> ModelT:
    if for_update:
        query = query.with_for_update()
    found = session.exec(query).first()
    if found is None:
        raise NotFound(detail)
    return found


def tenant_for_roles(session: Session, scope: Scope, tenant_id: int, roles: frozenset[Role]) -> Tenant:
    """A tenant the caller belongs to with one of these roles (feature packages: planning, QA); else not found."""
    tenant = session.get(Tenant, tenant_id) if scope.has_tenant(tenant_id) and scope.role in roles else None
    if tenant is None:
        raise NotFound(f"No tenant {tenant_id}.")
    return tenant


def tenant_row(
    session: Session, model: type[ModelT], row_id: int, tenant_id: int, *, noun: str, for_update: bool = False
) -> ModelT:
    """A row of a tenant-owned table by id, only within a tenant already checked by `tenant_for_roles`."""
    query: Any = select(model).where(model.id == row_id, model.tenant_id == tenant_id)  # type: ignore[attr-defined]
    found = session.exec(query.with_for_update() if for_update else query).first()
    if found is None:
        raise NotFound(f"No {noun} {row_id}.")
    return found  # type: ignore[no-any-return]
