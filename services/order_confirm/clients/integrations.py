"""order_confirm's client of integrations' same-day and payment-link endpoints.

Synchronous on purpose: routes that use it are sync (threadpool), so in `okno run` the loopback call into
the same process never blocks the event loop serving it. Problems from integrations are re-raised as the
same RFC 9457 code and status, so the operator sees integrations' specific reason.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

from contracts.http.same_day import PaymentLinkRequest, PaymentLinkView, SameDayAnswer, SameDayOrder
from services.common.problems import DomainError
from services.order_confirm.settings import OrderConfirmSettings

_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class IntegrationsUnavailable(DomainError):
    status, code, title = 503, "integrations_unavailable", "Same-day and payments are unreachable right now"


class IntegrationsProblem(DomainError):
    """A problem answered by integrations, passed on with its own status and code."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        extra = {k: v for k, v in body.items() if k not in ("type", "title", "status", "detail", "code", "instance")}
        super().__init__(str(body.get("detail") or body.get("title") or "integrations refused"), **extra)
        self.status = status
        self.code = str(body.get("code") or "integrations_error")
        self.title = str(body.get("title") or "integrations refused the request")


class IntegrationsClient:
    def __init__(self, settings: OrderConfirmSettings) -> None:
        self.base_url = settings.integrations_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {settings.service_token}"}

    def same_day(self, tenant: str, order: SameDayOrder) -> SameDayAnswer:
        return SameDayAnswer.model_validate(self._call("POST", f"/tenants/{tenant}/same-day/quote", order)[1])

    def payment_link(self, tenant: str, request: PaymentLinkRequest) -> tuple[PaymentLinkView, bool]:
        status, body = self._call("POST", f"/tenants/{tenant}/payment-links", request)
        return PaymentLinkView.model_validate(body), status == 201

    def read_payment_link(self, tenant: str, order_id: int) -> PaymentLinkView:
        return PaymentLinkView.model_validate(self._call("GET", f"/tenants/{tenant}/orders/{order_id}/payment-link")[1])

    def _call(self, method: str, path: str, body: BaseModel | None = None) -> tuple[int, dict[str, Any]]:
        try:
            response = httpx.request(
                method,
                f"{self.base_url}/internal/v1{path}",
                content=body.model_dump_json() if body else None,
                headers={**self.headers, "Content-Type": "application/json"},
                timeout=_TIMEOUT,
            )
        except httpx.HTTPError as error:
            raise IntegrationsUnavailable(f"integrations did not answer: {error.__class__.__name__}") from error
        try:
            answer: dict[str, Any] = response.json()
        except ValueError:
            raise IntegrationsUnavailable(f"integrations answered {response.status_code} without JSON") from None
        if response.status_code >= 400:
            if response.status_code in (401, 403):
                raise IntegrationsUnavailable("integrations refused our service token")
            raise IntegrationsProblem(response.status_code, answer)
        return response.status_code, answer
