"""Sandbox tickets: who may open the sandbox pages (simulator, SMS outbox) of which tenant.

notify has no users. A signed-in user of the tenant asks order_confirm, which asks notify (service token,
`POST …/telephony/sandbox-tickets`) for a short-lived ticket signed with this installation's secret; the page
gets it in its URL fragment and sends it as a bearer token. A ticket names one tenant: the pages show only
that tenant's calls and texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from services.notify.telephony.sandbox.credentials import SandboxCredentials

TICKET_TYPE = "okno-sandbox-ticket"


class InvalidTicket(Exception):
    pass


@dataclass(frozen=True)
class SandboxViewer:
    tenant: str
    operator_id: int


def mint_ticket(
    credentials: SandboxCredentials, tenant: str, operator_id: int, ttl: timedelta, *, now: datetime
) -> tuple[str, datetime]:
    expires_at = now + ttl
    claims = {
        "typ": TICKET_TYPE,
        "tenant": tenant,
        "sub": str(operator_id),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, credentials.ticket_secret, algorithm="HS256"), expires_at


def read_ticket(credentials: SandboxCredentials, ticket: str, *, now: datetime) -> SandboxViewer:
    try:
        # Expiry is checked against the service's clock below (tests freeze it), not the wall clock.
        claims = jwt.decode(ticket, credentials.ticket_secret, algorithms=["HS256"], options={"verify_exp": False})
    except jwt.PyJWTError as error:
        raise InvalidTicket("not a ticket of this installation") from error
    if claims.get("typ") != TICKET_TYPE or not isinstance(claims.get("tenant"), str):
        raise InvalidTicket("not a sandbox ticket")
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now.timestamp():
        raise InvalidTicket("the ticket has expired")
    return SandboxViewer(claims["tenant"], int(claims["sub"]))
