"""Shift templates and forecast overrides of one tenant (both small, both audited)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.problems import Conflict, Unprocessable
from services.order_confirm.models import Tenant
from services.order_confirm.planning.access import row_of
from services.order_confirm.planning.domain.roster import Template, patterns
from services.order_confirm.planning.models import ForecastOverride, ShiftTemplate
from services.order_confirm.service import audit
from services.order_confirm.service.scope import Scope

STREAMS = ("all", "orders", "inbound")


class TemplateExists(Conflict):
    code, title = "shift_template_exists", "A template with this name exists"


class InvalidOverride(Unprocessable):
    code, title = "invalid_forecast_override", "The forecast override is not valid"


def as_template(row: ShiftTemplate) -> Template:
    return Template(
        row.id or 0,
        row.name,
        tuple(time.fromisoformat(s) for s in row.starts),
        row.length_minutes,
        row.break_after_minutes,
        row.break_minutes,
    )


def list_templates(session: Session, tenant: Tenant) -> list[ShiftTemplate]:
    query = select(ShiftTemplate).where(ShiftTemplate.tenant_id == tenant.id).order_by(col(ShiftTemplate.name))
    return list(session.exec(query))


def create_template(
    session: Session, scope: Scope, tenant: Tenant, template: Template, *, now: datetime
) -> ShiftTemplate:
    patterns(template)  # raises InvalidTemplate with every reason
    assert tenant.id is not None
    if session.exec(
        select(ShiftTemplate.id).where(ShiftTemplate.tenant_id == tenant.id, ShiftTemplate.name == template.name)
    ).first():
        raise TemplateExists(f"Template {template.name!r} exists.")
    row = ShiftTemplate(
        tenant_id=tenant.id,
        name=template.name,
        starts=[s.strftime("%H:%M") for s in template.starts],
        length_minutes=template.length_minutes,
        break_after_minutes=template.break_after_minutes,
        break_minutes=template.break_minutes,
        created_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # a concurrent create of the same name
        raise TemplateExists(f"Template {template.name!r} exists.") from None
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="shift_template.created",
        entity="shift_template",
        entity_id=row.id or 0,
        tenant_id=tenant.id,
        after={"name": row.name, "starts": row.starts, "length_minutes": row.length_minutes},
    )
    return row


def delete_template(session: Session, scope: Scope, tenant: Tenant, template_id: int, *, now: datetime) -> None:
    assert tenant.id is not None
    row = row_of(session, ShiftTemplate, template_id, tenant.id, for_update=True)
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="shift_template.deleted",
        entity="shift_template",
        entity_id=template_id,
        tenant_id=tenant.id,
        before={"name": row.name},
    )
    session.delete(row)


def list_overrides(session: Session, tenant: Tenant, since: date) -> list[ForecastOverride]:
    query = (
        select(ForecastOverride)
        .where(ForecastOverride.tenant_id == tenant.id, col(ForecastOverride.day) >= since)
        .order_by(col(ForecastOverride.day), col(ForecastOverride.stream))
    )
    return list(session.exec(query))


def put_override(
    session: Session,
    scope: Scope,
    tenant: Tenant,
    day: date,
    stream: str,
    factor: float,
    note: str,
    *,
    now: datetime,
    today: date,
) -> ForecastOverride:
    """Set (or replace) the factor of one local day and stream; idempotent, so a retried PUT changes nothing."""
    errors = []
    if stream not in STREAMS:
        errors.append({"field": "stream", "message": f"one of: {', '.join(STREAMS)}"})
    if not 0 <= factor <= 10:
        errors.append({"field": "factor", "message": "0 (closed) to 10 (ten times the usual volume)"})
    if day < today:
        errors.append({"field": "day", "message": "a past day cannot change the plan"})
    if errors:
        raise InvalidOverride("The override is not valid; see `errors`.", errors=errors)
    assert tenant.id is not None
    row = session.exec(
        select(ForecastOverride)
        .where(ForecastOverride.tenant_id == tenant.id, ForecastOverride.day == day, ForecastOverride.stream == stream)
        .with_for_update()
    ).first()
    before = {"factor": row.factor, "note": row.note} if row else None
    if row is None:
        row = ForecastOverride(
            tenant_id=tenant.id,
            day=day,
            stream=stream,
            factor=factor,
            note=note,
            created_by_id=scope.operator_id,
            created_at=now,
        )
    row.factor, row.note = factor, note
    session.add(row)
    session.flush()
    if before != {"factor": factor, "note": note}:
        audit.record(
            session,
            now=now,
            actor=scope.operator,
            action="forecast_override.set",
            entity="forecast_override",
            entity_id=row.id or 0,
            tenant_id=tenant.id,
            before=before,
            after={"day": day.isoformat(), "stream": stream, "factor": factor, "note": note},
        )
    return row


def delete_override(session: Session, scope: Scope, tenant: Tenant, override_id: int, *, now: datetime) -> None:
    assert tenant.id is not None
    row = row_of(session, ForecastOverride, override_id, tenant.id, for_update=True)
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="forecast_override.deleted",
        entity="forecast_override",
        entity_id=override_id,
        tenant_id=tenant.id,
        before={"day": row.day.isoformat(), "stream": row.stream, "factor": row.factor},
    )
    session.delete(row)
