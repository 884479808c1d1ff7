"""Cover: while an owner is off shift, their tasks that fell due go to a cover operator after a grace period.

Ownership stays with the owner (the customer's one window); the task is marked `is_cover` so everyone
sees it is covered, and every hand-over (and hand-back when the owner returns) is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from services.common.problems import NotFound, Unprocessable
from services.order_confirm.domain.vocabulary import OperatorStatus, Role, TaskStatus
from services.order_confirm.models import CoverRule, Customer, Operator, Task
from services.order_confirm.service import audit, timeline
from services.order_confirm.service.policies import tenant_policy
from services.order_confirm.service.queue import lease_is_free
from services.order_confirm.service.scope import Scope, get_operator_in_tenant

ON_SHIFT = [status.value for status in OperatorStatus if status.on_shift]


def list_rules(session: Session, scope: Scope) -> list[CoverRule]:
    query = select(CoverRule).where(col(CoverRule.tenant_id).in_(sorted(scope.tenant_ids))).order_by(col(CoverRule.id))
    return list(session.exec(query).all())


def set_rule(
    session: Session, scope: Scope, *, tenant_id: int, owner_id: int, cover_id: int, now: datetime
) -> CoverRule:
    """One cover per owner and tenant: setting it again replaces the cover."""
    owner = get_operator_in_tenant(session, scope, owner_id, tenant_id)
    cover = get_operator_in_tenant(session, scope, cover_id, tenant_id)
    if owner.id == cover.id or Role.OPERATOR.value not in (owner.role, cover.role) or owner.role != cover.role:
        raise Unprocessable(
            "Cover is one operator standing in for another operator of the same tenant.",
            errors=[{"field": "cover_id", "message": "Pick a different operator of this tenant."}],
        )
    rule = session.exec(
        select(CoverRule).where(col(CoverRule.tenant_id) == tenant_id, col(CoverRule.owner_id) == owner_id)
    ).first()
    before = {"cover_id": rule.cover_id} if rule else None
    if rule is None:
        rule = CoverRule(tenant_id=tenant_id, owner_id=owner_id, cover_id=cover_id, created_at=now)
    rule.cover_id = cover_id
    rule.created_by_id = scope.operator_id
    session.add(rule)
    session.flush()
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="cover_rule.set",
        entity="operator",
        entity_id=owner_id,
        tenant_id=tenant_id,
        before=before,
        after={"cover_id": cover_id},
    )
    return rule


def delete_rule(session: Session, scope: Scope, rule_id: int, *, now: datetime) -> None:
    rule = session.get(CoverRule, rule_id)
    if rule is None or not scope.has_tenant(rule.tenant_id):
        raise NotFound(f"No cover rule {rule_id}.")
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="cover_rule.deleted",
        entity="operator",
        entity_id=rule.owner_id,
        tenant_id=rule.tenant_id,
        before={"cover_id": rule.cover_id},
    )
    session.delete(rule)


def sweep(session: Session, *, now: datetime) -> int:
    """Hand due tasks of off-shift owners to their cover, and give covered tasks back to returning owners.
    Returns how many tasks moved. Rows are locked with SKIP LOCKED so replicas share the sweep."""
    moved = 0
    for task, owner_id in _due_owner_tasks(session, now):
        owner, rule = session.get(Operator, owner_id), _rule(session, task.tenant_id, owner_id)
        if owner is None or rule is None or _on_shift(owner):
            continue
        if task.due_at > now - tenant_policy(session, task.tenant_id).cover_grace:
            continue
        cover = session.get(Operator, rule.cover_id)
        if cover is None or not _on_shift(cover):
            continue
        _move(session, task, to=cover, is_cover=True, action="task.covered", now=now)
        moved += 1
    for task in _covered_tasks(session, now):
        customer = session.get(Customer, task.customer_id)
        owner = session.get(Operator, customer.owner_id) if customer and customer.owner_id else None
        if owner is not None and _on_shift(owner):
            _move(session, task, to=owner, is_cover=False, action="task.cover_ended", now=now)
            moved += 1
    return moved


def _due_owner_tasks(session: Session, now: datetime) -> list[tuple[Task, int]]:
    query = (
        select(Task, Customer.owner_id)
        .join(Customer, col(Customer.id) == col(Task.customer_id))
        .where(
            col(Task.status) == TaskStatus.OPEN.value,
            col(Task.is_cover).is_(False),
            col(Task.due_at) <= now,
            col(Task.assignee_id) == col(Customer.owner_id),
            lease_is_free(now),
        )
        .order_by(col(Task.due_at))
        .limit(500)
        .with_for_update(skip_locked=True, of=Task)
    )
    return [(task, int(owner_id)) for task, owner_id in session.exec(query) if owner_id is not None]


def _covered_tasks(session: Session, now: datetime) -> list[Task]:
    query = (
        select(Task)
        .where(col(Task.status) == TaskStatus.OPEN.value, col(Task.is_cover).is_(True), lease_is_free(now))
        .limit(500)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query).all())


def _rule(session: Session, tenant_id: int, owner_id: int) -> CoverRule | None:
    query = select(CoverRule).where(col(CoverRule.tenant_id) == tenant_id, col(CoverRule.owner_id) == owner_id)
    return session.exec(query).first()


def _on_shift(operator: Operator) -> bool:
    return operator.active and operator.status in ON_SHIFT


def _move(session: Session, task: Task, *, to: Operator, is_cover: bool, action: str, now: datetime) -> None:
    before = {"assignee_id": task.assignee_id, "is_cover": task.is_cover}
    task.assignee_id = to.id
    task.is_cover = is_cover
    session.add(task)
    audit.record(
        session,
        now=now,
        actor="system:cover",
        action=action,
        entity="task",
        entity_id=task.id or 0,
        tenant_id=task.tenant_id,
        before=before,
        after={"assignee_id": to.id, "is_cover": is_cover},
    )
    customer = session.get(Customer, task.customer_id)
    assert customer is not None
    fact = {"operator_id": to.id, "operator_name": to.name, "task_kind": task.kind}
    timeline.add_event(session, customer, now=now, kind=action.replace(".", "_"), params=fact, order_id=task.order_id)
