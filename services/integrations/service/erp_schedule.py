"""The scheduler's ERP job: pull every tenant whose interval is up, one replica per tenant at a time."""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlmodel import Session, col, select

from services.integrations.adapters.failures import RemoteFailure
from services.integrations.models.erp import ErpConnection, ErpCursor
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service import leases
from services.integrations.service.erp_pull import PullRaced, PullSummary, pull_tenant

log = structlog.get_logger(__name__)


def lease_name(tenant: str) -> str:
    return f"erp_pull:{tenant}"


def due_tenants(runtime: IntegrationsRuntime) -> list[str]:
    now = runtime.clock()
    with Session(runtime.engine) as session:
        rows = session.exec(
            select(ErpConnection.tenant, ErpConnection.pull_interval_seconds, ErpCursor.last_started_at)
            .join(ErpCursor, col(ErpCursor.tenant) == col(ErpConnection.tenant), isouter=True)
            .where(col(ErpConnection.enabled))
            .order_by(col(ErpConnection.tenant))
        ).all()
    # Measured from the last start, so an ERP that is down is tried once per interval, not every check.
    return [
        tenant for tenant, interval, started in rows if started is None or started + timedelta(seconds=interval) <= now
    ]


def pull_due_tenants(runtime: IntegrationsRuntime, *, holder: str = leases.PROCESS_HOLDER) -> dict[str, PullSummary]:
    """Run the pulls that are due; a tenant another replica is pulling is left to it."""
    done = {}
    for tenant in due_tenants(runtime):
        summary = pull_with_lease(runtime, tenant, holder=holder)
        if summary is not None:
            done[tenant] = summary
    return done


def pull_with_lease(runtime: IntegrationsRuntime, tenant: str, *, holder: str) -> PullSummary | None:
    ttl = timedelta(seconds=runtime.settings.erp_pull_lease_seconds)
    name = lease_name(tenant)
    if not leases.acquire(runtime.engine, name, holder=holder, now=runtime.clock(), ttl=ttl):
        return None

    def renew(_: PullSummary) -> None:
        # A long pull keeps its lease alive page by page; a dead puller's lease simply runs out.
        leases.acquire(runtime.engine, name, holder=holder, now=runtime.clock(), ttl=ttl)

    try:
        return pull_tenant(runtime, tenant, on_page=renew)
    except (RemoteFailure, PullRaced) as error:
        log.warning("erp.pull_failed", tenant=tenant, error=str(error))
        return None
    finally:
        leases.release(runtime.engine, name, holder=holder)
