"""The sandbox checkout of `okno run`, for signed-in users of the shop only (a sandbox ticket, as notify's pages).

The page itself is a shell without data: it takes the ticket from its URL fragment (the SMS outbox appends it
to links of this installation; a fragment reaches no server log), then reads the payment and pays or declines
it with the ticket as a bearer token. A ticket opens only its own shop's payments; without one the page
shows nothing and its calls answer 401 `sandbox_ticket_required`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from okno.sandbox.yookassa import YooKassaSandbox

TicketTenant = Callable[[str], str | None]  # a valid ticket's tenant, None for anything else

PAGE = (Path(__file__).resolve().parent / "checkout.html").read_text(encoding="utf-8")


def add_guarded_checkout(app: FastAPI, sandbox: YooKassaSandbox, ticket_tenant: TicketTenant) -> None:
    async def page(payment_id: str) -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    async def details(payment_id: str, request: Request) -> JSONResponse:
        payment, refusal = await _viewed(sandbox, ticket_tenant, request, payment_id)
        if refusal is not None:
            return refusal
        return JSONResponse(
            {"description": payment.get("description"), "amount": payment["amount"], "status": payment["status"]}
        )

    async def act(payment_id: str, request: Request) -> JSONResponse:
        _, refusal = await _viewed(sandbox, ticket_tenant, request, payment_id)
        if refusal is not None:
            return refusal
        try:
            body = await request.json()
        except ValueError:
            body = None
        action = body.get("action") if isinstance(body, dict) else None
        if action not in ("pay", "decline"):
            return _problem(422, "invalid_action", 'Send {"action": "pay"} or {"action": "decline"}.')
        status = await sandbox.customer_acts(payment_id, pay=action == "pay")
        return JSONResponse({"status": status})

    app.get("/pay/{payment_id}", response_class=HTMLResponse)(page)
    app.get("/pay/{payment_id}/details")(details)
    app.post("/pay/{payment_id}")(act)


async def _viewed(
    sandbox: YooKassaSandbox, ticket_tenant: TicketTenant, request: Request, payment_id: str
) -> tuple[dict[str, Any], JSONResponse | None]:
    scheme, _, ticket = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not ticket.strip():
        return {}, _problem(401, "sandbox_ticket_required", "Open the checkout from the SMS outbox.")
    tenant = await run_in_threadpool(ticket_tenant, ticket.strip())
    if tenant is None:
        return {}, _problem(401, "sandbox_ticket_invalid", "The sandbox ticket is not valid (expired, or foreign).")
    with sandbox.lock:
        payment = sandbox.payments.get(payment_id)
        found = dict(payment) if payment is not None and payment.get("_shop") == tenant else None
    if found is None:  # another shop's payment looks like no payment at all
        return {}, _problem(404, "not_found", "No such payment.")
    return found, None


def _problem(status: int, code: str, detail: str) -> JSONResponse:
    body = {"type": f"https://okno.dev/problems/{code}", "title": detail, "status": status, "code": code}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")
