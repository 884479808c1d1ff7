"""Periodic jobs of integrations (run by `okno scheduler`, or a thread inside `okno run`)."""

from __future__ import annotations

from services.common.scheduler import PeriodicJob
from services.integrations.runtime import IntegrationsRuntime


def periodic_jobs(runtime: IntegrationsRuntime) -> list[PeriodicJob]:
    return [*runtime.periodic_jobs(), *_same_day_jobs(runtime), *_erp_sync_jobs(runtime)]


def _same_day_jobs(runtime: IntegrationsRuntime) -> list[PeriodicJob]:
    from services.integrations.service.link_expiry import expire_due_links
    from services.integrations.service.shipments import refresh_unconfirmed

    settings = runtime.settings
    return [
        PeriodicJob(
            "integrations.expire_payment_links",
            settings.payment_link_sweep_seconds,
            lambda: expire_due_links(runtime),
        ),
        PeriodicJob(
            "integrations.refresh_shipments",
            settings.shipment_refresh_seconds,
            lambda: refresh_unconfirmed(runtime),
        ),
    ]


def _erp_sync_jobs(runtime: IntegrationsRuntime) -> list[PeriodicJob]:
    from services.integrations.service.delivery_sender import send_due
    from services.integrations.service.erp_schedule import pull_due_tenants

    return [
        # Checks often; each tenant is pulled at its own `pull_interval_seconds`, under a lease.
        PeriodicJob("integrations.erp_pulls", 5.0, lambda: pull_due_tenants(runtime)),
        PeriodicJob("integrations.deliveries", runtime.settings.delivery_sweep_seconds, lambda: send_due(runtime)),
    ]
