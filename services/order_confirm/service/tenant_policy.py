"""Reading and changing a tenant's policy (retries, calling hours, cover grace, service level, planning and
QA targets): the whole set at once (PUT) or a JSON Merge Patch of it (PATCH).

Supervisors and admins of the tenant change it, its client managers read it, everyone else gets 404. A
change names the version it was made from (`If-Match: <ETag>`): the tenant row is locked, and a policy
changed meanwhile (by anyone, planning's targets included) answers 412 instead of being overwritten. A
retried request whose change is already in place answers 200 without writing anything. Every change is
audited (`tenant.policy_changed`, before -> after).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from services.common.problems import DomainError, NotFound, PreconditionFailed, Unprocessable
from services.order_confirm.domain.policy_document import (
    PolicyDocument,
    effective,
    entity_tag,
    field_errors,
    merged,
    stored_form,
)
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Operator, Tenant
from services.order_confirm.service import audit

READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.CLIENT_MANAGER})
WRITERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


class PreconditionRequired(DomainError):
    status, code, title = 428, "if_match_required", "Send the policy's ETag in If-Match"


class InvalidPolicyDocument(Unprocessable):
    code, title = "invalid_policy", "The policy is not valid"


@dataclass(frozen=True)
class Caller:
    """Who asks: their role and tenants (an API scope), or the command line (every tenant, any change)."""

    actor: Operator | str
    role: Role
    tenant_ids: frozenset[int] | None  # None: the command line, every tenant


@dataclass(frozen=True)
class PolicyState:
    tenant_id: int
    document: PolicyDocument
    etag: str
    ignored: list[dict[str, str]]  # stored values not in force (their reader uses the default)


def _tenant(session: Session, caller: Caller, tenant_id: int, roles: frozenset[Role], *, lock: bool) -> Tenant:
    allowed = caller.role in roles and (caller.tenant_ids is None or tenant_id in caller.tenant_ids)
    query = select(Tenant).where(col(Tenant.id) == tenant_id)
    tenant = session.exec(query.with_for_update() if lock else query).first() if allowed else None
    if tenant is None:
        raise NotFound(f"No tenant {tenant_id}.")
    return tenant


def _state(tenant: Tenant) -> PolicyState:
    document, ignored = effective(tenant.policy)
    return PolicyState(tenant.id or 0, document, entity_tag(tenant.policy), ignored)


def read(session: Session, caller: Caller, tenant_id: int) -> PolicyState:
    return _state(_tenant(session, caller, tenant_id, READERS, lock=False))


def replace(
    session: Session, caller: Caller, tenant_id: int, document: PolicyDocument, *, if_match: str | None, now: datetime
) -> PolicyState:
    tenant = _tenant(session, caller, tenant_id, WRITERS, lock=True)
    return _store(session, caller, tenant, document, if_match=if_match, now=now)


def patch(
    session: Session, caller: Caller, tenant_id: int, changes: dict[str, Any], *, if_match: str | None, now: datetime
) -> PolicyState:
    """Merge `changes` into the policy in force (RFC 7396) and store the result if the whole is valid."""
    tenant = _tenant(session, caller, tenant_id, WRITERS, lock=True)
    current, _ = effective(tenant.policy)
    try:
        document = PolicyDocument.model_validate(merged(stored_form(current), changes))
    except ValidationError as error:
        raise InvalidPolicyDocument("The policy cannot be saved; see `errors`.", errors=field_errors(error)) from None
    return _store(session, caller, tenant, document, if_match=if_match, now=now)


def validated(body: dict[str, Any]) -> PolicyDocument:
    """A whole document from untyped input (the command line), every mistake listed."""
    try:
        return PolicyDocument.model_validate(body)
    except ValidationError as error:
        raise InvalidPolicyDocument("The policy cannot be saved; see `errors`.", errors=field_errors(error)) from None


def matches(if_match: str, etag: str) -> bool:
    """RFC 9110 If-Match: `*`, or a list of entity tags (weak ones compared by their opaque part)."""
    if if_match.strip() == "*":
        return True
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    return etag in tags


def _store(
    session: Session, caller: Caller, tenant: Tenant, document: PolicyDocument, *, if_match: str | None, now: datetime
) -> PolicyState:
    before = _state(tenant)
    if if_match is None:
        raise PreconditionRequired(f"Send `If-Match: {before.etag}` (the ETag of the policy you are changing).")
    after = stored_form(document)
    unchanged = stored_form(before.document) == after and not before.ignored
    if unchanged:
        return before  # the same policy again (or a retry of a change that went through): nothing to write
    if not matches(if_match, before.etag):
        raise PreconditionFailed(
            "The policy changed since you read it; read it again and repeat your change.", current_etag=before.etag
        )
    # Keys of areas this document does not know (none today) are kept as they are.
    tenant.policy = {**{k: v for k, v in (tenant.policy or {}).items() if k not in after}, **after}
    session.add(tenant)
    audit.record(
        session,
        now=now,
        actor=caller.actor,
        action="tenant.policy_changed",
        entity="tenant",
        entity_id=tenant.id or 0,
        tenant_id=tenant.id,
        before=stored_form(before.document),
        after=after,
    )
    return _state(tenant)
