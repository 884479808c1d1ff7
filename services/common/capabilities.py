"""What a running service can do with outside providers, and the one rule about sandboxes.

A capability (voice calls, SMS, payment links, the ERP pull…) is either configured with real credentials,
served by a local sandbox because somebody asked for sandboxes (`okno run`, or `OKNO_SANDBOX=true` /
`OKNO_<SERVICE>_SANDBOX=true`), or not configured. A production service missing a credential never falls
back to a sandbox: the capability is reported as not configured in `/readyz` and its routes answer 503
(`capability_not_configured`), while everything else the service does keeps working.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Request

from services.common.problems import DomainError, NotFound


class CapabilityState(StrEnum):
    CONFIGURED = "configured"
    SANDBOX = "sandbox"
    NOT_CONFIGURED = "not_configured"

    @property
    def usable(self) -> bool:
        return self is not CapabilityState.NOT_CONFIGURED


@dataclass(frozen=True)
class Capability:
    name: str
    state: CapabilityState
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"state": self.state.value, "detail": self.detail}


class CapabilityNotConfigured(DomainError):
    status, code, title = 503, "capability_not_configured", "This capability is not configured on this service"


def decide(name: str, *, credentials_present: bool, sandbox_requested: bool, missing: str) -> Capability:
    """Real credentials win; a sandbox only when asked for; otherwise not configured, saying what is missing."""
    if credentials_present:
        return Capability(name, CapabilityState.CONFIGURED, "credentials present")
    if sandbox_requested:
        return Capability(name, CapabilityState.SANDBOX, "local sandbox (asked for by the sandbox setting)")
    return Capability(name, CapabilityState.NOT_CONFIGURED, f"not configured: set {missing}")


class Capabilities:
    """The capabilities of one runtime, declared at start-up by the service and read by `/readyz` and routes."""

    def __init__(self) -> None:
        self._by_name: dict[str, Capability] = {}

    def declare(self, capability: Capability) -> Capability:
        self._by_name[capability.name] = capability
        return capability

    def get(self, name: str) -> Capability | None:
        return self._by_name.get(name)

    def state(self, name: str) -> CapabilityState:
        capability = self._by_name.get(name)
        return capability.state if capability else CapabilityState.NOT_CONFIGURED

    def require(self, name: str) -> Capability:
        capability = self._by_name.get(name)
        if capability is None or not capability.state.usable:
            detail = capability.detail if capability else "not declared by this service"
            raise CapabilityNotConfigured(
                f"{name} is not available on this service ({detail}).", capability=name, retry_after=300
            )
        return capability

    def as_json(self) -> dict[str, dict[str, str]]:
        return {name: capability.as_json() for name, capability in sorted(self._by_name.items())}


def require_capability(name: str, *, sandbox_only: bool = False) -> Callable[[Request], Awaitable[Capability]]:
    """A route dependency: 503 problem+json when `name` is not configured; with `sandbox_only`, routes that
    exist only for a sandbox (simulator pages, the SMS outbox) answer 404 unless the capability is a sandbox."""

    # `async`: a dictionary read, not worth a threadpool hop on every webhook.
    async def check(request: Request) -> Capability:
        capabilities: Capabilities = request.app.state.runtime.capabilities
        capability = capabilities.require(name)
        if sandbox_only and capability.state is not CapabilityState.SANDBOX:
            raise NotFound("Not found.")
        return capability

    return check


def capabilities_json(capabilities: Capabilities | None) -> dict[str, Any]:
    return capabilities.as_json() if capabilities is not None else {}
