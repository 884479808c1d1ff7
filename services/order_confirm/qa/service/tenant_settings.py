"""A tenant's QA settings: the `"qa"` key of `Tenant.policy`, read with defaults, written whole and audited."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlmodel import Session

from services.order_confirm.models import Operator, Tenant
from services.order_confirm.qa.domain.policy import InvalidQaPolicy, QaPolicy, QaPolicyDocument, parse_qa_policy
from services.order_confirm.service import audit

log = structlog.get_logger(__name__)


def qa_settings(tenant: Tenant) -> QaPolicy:
    """A broken stored document falls back to the defaults (and says so in the log), so QA keeps working."""
    try:
        return parse_qa_policy(tenant.policy)
    except InvalidQaPolicy as error:
        log.warning("qa.policy_invalid", tenant_id=tenant.id, error=str(error))
        return QaPolicy()


def put_qa_settings(
    session: Session, actor: Operator, tenant: Tenant, document: QaPolicyDocument, *, now: datetime
) -> QaPolicy:
    before = (tenant.policy or {}).get("qa")
    after = document.model_dump()
    if before != after:
        # A new dict, so the JSON column sees the change (in-place mutation is not tracked).
        tenant.policy = {**(tenant.policy or {}), "qa": after}
        session.add(tenant)
        audit.record(
            session,
            now=now,
            actor=actor,
            action="qa_settings.changed",
            entity="tenant",
            entity_id=tenant.id or 0,
            tenant_id=tenant.id,
            before=before,
            after=after,
        )
    return parse_qa_policy(tenant.policy)
