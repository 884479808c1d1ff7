"""Which local sandboxes integrations may use: only where sandboxes were asked for (`okno run`, `OKNO_SANDBOX`).

A tenant's payment setup may name the `sandbox` provider (YooKassa's protocol against `okno run`'s local
YooKassa) and `okno run` connects its demo tenant to a local 1C. In production (sandbox setting off) both
capabilities are `not_configured` in `/readyz`: a sandbox payment setup cannot be saved, and a tenant left
with one (a database copied from a demo) gets 503 `capability_not_configured` on its payment routes instead
of payment links nobody can pay for real.
"""

from __future__ import annotations

from services.common.capabilities import Capabilities, Capability, CapabilityState
from services.integrations.settings import IntegrationsSettings

PAYMENTS_SANDBOX = "payments_sandbox"  # the `sandbox` payment provider (okno run's local YooKassa)
ERP_SANDBOX = "erp_sandbox"  # okno run's local 1C for its demo tenant
SANDBOX_PROVIDER = "sandbox"


def declare_capabilities(settings: IntegrationsSettings, capabilities: Capabilities) -> None:
    for name in (PAYMENTS_SANDBOX, ERP_SANDBOX):
        if settings.sandbox:
            capability = Capability(name, CapabilityState.SANDBOX, "local sandbox (asked for by the sandbox setting)")
        else:
            capability = Capability(
                name, CapabilityState.NOT_CONFIGURED, "sandboxes are off (OKNO_SANDBOX; never set in production)"
            )
        capabilities.declare(capability)


def require_sandbox_payments(capabilities: Capabilities, provider: str) -> None:
    """503 `capability_not_configured` when `provider` is the sandbox and sandboxes are off."""
    if provider == SANDBOX_PROVIDER:
        capabilities.require(PAYMENTS_SANDBOX)
