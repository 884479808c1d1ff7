"""A tenant's workflow policy, read from its row; a broken document falls back to the product defaults
(and says so in the log) so calls keep being scheduled."""

from __future__ import annotations

import structlog
from sqlmodel import Session

from services.order_confirm.domain.policy import InvalidPolicy, WorkflowPolicy, parse_policy
from services.order_confirm.models import Tenant

log = structlog.get_logger(__name__)


def tenant_policy(session: Session, tenant_id: int) -> WorkflowPolicy:
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    try:
        return parse_policy(tenant.policy)
    except InvalidPolicy as error:
        log.warning("tenant.policy_invalid", tenant=tenant.slug, error=str(error))
        return WorkflowPolicy()
