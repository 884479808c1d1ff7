"""Tenants (shops) and operators as order_confirm knows them: created by `okno tenant/operator add` or the
admin API; operators' shift status drives who may become an owner."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlmodel import Session, col, delete, select

from services.common.problems import Conflict, NotFound, Unprocessable
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Operator, OperatorStatusChange, OperatorTenant, Tenant
from services.order_confirm.security.passwords import hash_password
from services.order_confirm.service import audit
from services.order_confirm.service.ownership import assign_waiting_customers
from services.order_confirm.streams import watch as streams_watch

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MIN_PASSWORD_LENGTH = 8


class TenantExists(Conflict):
    code, title = "tenant_exists", "A tenant with this slug exists"


class OperatorExists(Conflict):
    code, title = "operator_exists", "An operator with this login exists"


class UnknownTenant(NotFound):
    code, title = "unknown_tenant", "No such tenant"


class UnknownOperator(NotFound):
    code, title = "unknown_operator", "No such operator"


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    name: str
    timezone: str = "Europe/Moscow"
    country: str = "RU"
    language: str = "ru"


@dataclass(frozen=True)
class OperatorSpec:
    login: str
    name: str
    role: Role
    password: str
    tenant_slugs: tuple[str, ...]
    capacity: int = 200
    language: str = "ru"


def check_tenant_spec(spec: TenantSpec) -> TenantSpec:
    errors = []
    if not SLUG_PATTERN.match(spec.slug):
        errors.append({"field": "slug", "message": "1-64 lowercase letters, digits and inner hyphens"})
    if not spec.name.strip():
        errors.append({"field": "name", "message": "must not be empty"})
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append({"field": "timezone", "message": f"{spec.timezone!r} is not an IANA time zone"})
    if spec.country.upper() not in phonenumbers.SUPPORTED_REGIONS:
        errors.append({"field": "country", "message": f"{spec.country!r} is not an ISO 3166 country code"})
    if spec.language not in ("ru", "en"):
        errors.append({"field": "language", "message": "one of: ru, en"})
    if errors:
        raise Unprocessable("The tenant is not valid; see `errors`.", errors=errors)
    return spec


def add_tenant(session: Session, spec: TenantSpec, *, now: datetime, actor: Operator | str) -> Tenant:
    check_tenant_spec(spec)
    if find_tenant(session, spec.slug) is not None:
        raise TenantExists(f"Tenant {spec.slug!r} exists.")
    tenant = Tenant(
        slug=spec.slug,
        name=spec.name.strip(),
        timezone=spec.timezone,
        country=spec.country.upper(),
        language=spec.language,
        created_at=now,
    )
    session.add(tenant)
    session.flush()
    after = {"slug": tenant.slug, "name": tenant.name, "timezone": tenant.timezone, "country": tenant.country}
    audit.record(
        session,
        now=now,
        actor=actor,
        action="tenant.created",
        entity="tenant",
        entity_id=tenant.id or 0,
        tenant_id=tenant.id,
        after=after,
    )
    return tenant


def find_tenant(session: Session, slug: str) -> Tenant | None:
    return session.exec(select(Tenant).where(Tenant.slug == slug)).first()


def get_tenant(session: Session, slug: str) -> Tenant:
    tenant = find_tenant(session, slug)
    if tenant is None:
        raise UnknownTenant(f"No tenant {slug!r}.")
    return tenant


def list_tenants(session: Session, tenant_ids: frozenset[int] | None = None) -> list[Tenant]:
    query = select(Tenant).order_by(col(Tenant.slug))
    if tenant_ids is not None:
        query = query.where(col(Tenant.id).in_(sorted(tenant_ids)))
    return list(session.exec(query))


def check_operator_spec(spec: OperatorSpec) -> None:
    errors = []
    if not LOGIN_PATTERN.match(spec.login):
        errors.append({"field": "login", "message": "1-64 lowercase letters, digits, '.', '_' or '-'"})
    if not spec.name.strip():
        errors.append({"field": "name", "message": "must not be empty"})
    if len(spec.password) < MIN_PASSWORD_LENGTH:
        errors.append({"field": "password", "message": f"at least {MIN_PASSWORD_LENGTH} characters"})
    if spec.capacity < 0:
        errors.append({"field": "capacity", "message": "must be zero or more"})
    if errors:
        raise Unprocessable("The operator is not valid; see `errors`.", errors=errors)


def add_operator(session: Session, spec: OperatorSpec, *, now: datetime, actor: Operator | str) -> Operator:
    check_operator_spec(spec)
    if find_operator(session, spec.login) is not None:
        raise OperatorExists(f"Operator {spec.login!r} exists.")
    tenants = [get_tenant(session, slug) for slug in spec.tenant_slugs]
    operator = Operator(
        login=spec.login,
        name=spec.name.strip(),
        role=spec.role.value,
        password_hash=hash_password(spec.password),
        status=OperatorStatus.OFFLINE.value,
        status_changed_at=now,
        capacity=spec.capacity,
        language=spec.language,
        created_at=now,
    )
    session.add(operator)
    session.flush()
    set_operator_tenants(session, operator, tenants)
    for tenant in tenants:
        audit.record(
            session,
            now=now,
            actor=actor,
            action="operator.created",
            entity="operator",
            entity_id=operator.id or 0,
            tenant_id=tenant.id,
            after={"login": operator.login, "role": operator.role, "capacity": operator.capacity},
        )
    return operator


def set_operator_tenants(session: Session, operator: Operator, tenants: list[Tenant]) -> None:
    # Floors that showed this operator watch them by id, whichever tenants they leave.
    streams_watch.note(session, None, [operator.id])
    leave = delete(OperatorTenant).where(col(OperatorTenant.operator_id) == operator.id)
    session.exec(leave.execution_options(**{streams_watch.NOTED: True}))
    for tenant in tenants:
        assert operator.id is not None and tenant.id is not None
        session.add(OperatorTenant(operator_id=operator.id, tenant_id=tenant.id))
    session.flush()


def find_operator(session: Session, login: str) -> Operator | None:
    return session.exec(select(Operator).where(Operator.login == login)).first()


def tenant_ids_of(session: Session, operator: Operator) -> list[int]:
    rows = session.exec(select(OperatorTenant.tenant_id).where(OperatorTenant.operator_id == operator.id))
    return sorted(int(tenant_id) for tenant_id in rows)


def record_status(
    session: Session, operator: Operator, status: OperatorStatus, *, now: datetime, actor: Operator | str
) -> None:
    """Change the status and keep it in the status history (planning reads adherence from it)."""
    assert operator.id is not None
    operator.status, operator.status_changed_at = status.value, now
    session.add(operator)
    session.add(
        OperatorStatusChange(
            operator_id=operator.id, status=status.value, changed_at=now, actor=audit.actor_label(actor)[1]
        )
    )


def set_operator_status(
    session: Session, operator: Operator, status: OperatorStatus, *, now: datetime, actor: Operator | str
) -> Operator:
    """Coming on shift takes waiting customers from the pool of each of the operator's tenants."""
    before = operator.status
    if before != status.value:
        record_status(session, operator, status, now=now, actor=actor)
        session.flush()
        for tenant_id in tenant_ids_of(session, operator):
            audit.record(
                session,
                now=now,
                actor=actor,
                action="operator.status_changed",
                entity="operator",
                entity_id=operator.id or 0,
                tenant_id=tenant_id,
                before={"status": before},
                after={"status": status},
            )
    if status.on_shift and operator.role == Role.OPERATOR.value:
        for tenant_id in tenant_ids_of(session, operator):
            assign_waiting_customers(session, tenant_id, now=now)
    return operator
