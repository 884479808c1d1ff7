"""Kudos and examples: the shop's client manager (or the quality department) praises an operator's call in
public, or marks it as an example to learn from; every operator of the tenant sees the wall."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.order_confirm.models import Attempt, Operator, Tenant
from services.order_confirm.qa.models import QaKudos
from services.order_confirm.qa.service.conversations import conversation_in_view
from services.order_confirm.service import audit
from services.order_confirm.service.scope import Scope

KINDS = ("kudos", "example")


def give(
    session: Session, scope: Scope, tenant: Tenant, attempt_id: int, kind: str, message: str, *, now: datetime
) -> tuple[QaKudos, bool]:
    """The kudos (or example mark) of this author for this call; given again, the existing one (False)."""
    attempt = conversation_in_view(session, scope, tenant, attempt_id)
    assert tenant.id is not None
    query = select(QaKudos).where(
        QaKudos.attempt_id == attempt_id, QaKudos.author_id == scope.operator_id, QaKudos.kind == kind
    )
    existing = session.exec(query).first()
    if existing is not None:
        return existing, False
    row = QaKudos(
        tenant_id=tenant.id,
        attempt_id=attempt_id,
        operator_id=attempt.operator_id,
        author_id=scope.operator_id,
        kind=kind,
        message=message,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same click twice at once
        found = session.exec(query).first()
        assert found is not None
        return found, False
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action=f"qa_{kind}.given",
        entity="qa_kudos",
        entity_id=row.id or 0,
        tenant_id=tenant.id,
        after={"attempt_id": attempt_id, "operator_id": attempt.operator_id, "message": message},
    )
    return row, True


def wall(session: Session, tenant: Tenant, *, kind: str | None, limit: int) -> list[dict[str, Any]]:
    query = select(QaKudos, Attempt.started_at).join(Attempt, col(Attempt.id) == col(QaKudos.attempt_id))
    query = query.where(QaKudos.tenant_id == tenant.id)
    if kind is not None:
        query = query.where(QaKudos.kind == kind)
    rows = session.exec(query.order_by(col(QaKudos.created_at).desc(), col(QaKudos.id).desc()).limit(limit)).all()
    return _views(session, [(row, started_at) for row, started_at in rows])


def view(session: Session, row: QaKudos) -> dict[str, Any]:
    attempt = session.get(Attempt, row.attempt_id)
    assert attempt is not None
    return _views(session, [(row, attempt.started_at)])[0]


def _views(session: Session, rows: list[tuple[QaKudos, datetime]]) -> list[dict[str, Any]]:
    people = {row.operator_id for row, _ in rows} | {row.author_id for row, _ in rows}
    names = dict(session.exec(select(Operator.id, Operator.name).where(col(Operator.id).in_(sorted(people)))).all())
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "attempt_id": row.attempt_id,
            "call_started_at": started_at,
            "operator": {"id": row.operator_id, "name": names.get(row.operator_id, "")},
            "author": {"id": row.author_id, "name": names.get(row.author_id, "")},
            "message": row.message,
            "created_at": row.created_at,
        }
        for row, started_at in rows
    ]
