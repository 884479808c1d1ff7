"""Calls through notify for the console: the softphone's token, click-to-call, hold and hang-up.

order_confirm authorizes (scope, tenant, the call's operator) and then asks notify, which alone talks to
Twilio. Every function here that reads the database runs *before* the caller commits and calls notify, or
*after* notify answered: no row lock or SQLite write lock is ever held across the HTTP call (in `okno run`
notify answers from the same process and the same database).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from contracts.http.telephony import (
    AccessTokenRequest,
    AccessTokenView,
    OutboundCallRequest,
    OutboundCallView,
    ProblemCode,
)
from contracts.telephony import CallSnapshot
from services.common.problems import DomainError, NotFound, Unprocessable
from services.order_confirm.clients.notify_telephony import NotifyTelephony, TelephonyProblem
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt, Customer, Order, TelephonySettings, Tenant
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service import audit, calls
from services.order_confirm.service.scope import Scope
from services.order_confirm.telephony import lines

TOKEN_TTL_SECONDS = 3600  # the softphone renews on `tokenWillExpire`; an hour bounds a leaked token


class TelephonyDisabled(DomainError):
    status, code, title = 409, "telephony_disabled", "Telephony is off for your shops"


class CallNotFound(NotFound):
    code, title = ProblemCode.CALL_NOT_FOUND.value, "No such call among yours"


class NumberRejected(Unprocessable):
    code, title = ProblemCode.NUMBER_REJECTED.value, "The customer's number cannot be called"


@dataclass(frozen=True)
class Dial:
    """What to ask notify for once the attempt is committed; `None` where the tenant has no telephony."""

    tenant: str
    request: OutboundCallRequest | None  # None: the customer's number is not one Twilio can dial


@dataclass(frozen=True)
class TenantRef:
    id: int
    slug: str


def telephony_on(session: Session, tenant_id: int) -> bool:
    """The shop calls through Okno: settings saved, switched on, with a number to call from."""
    row = session.get(TelephonySettings, tenant_id)
    return row is not None and row.enabled and bool(row.numbers)


def begin_call(
    session: Session, runtime: OrderConfirmRuntime, scope: Scope, order_id: int, now: datetime
) -> tuple[Attempt, Dial | None]:
    """Start (or find again) the operator's attempt on the order, and say what notify should dial.

    A shop without telephony keeps the old way: the attempt starts and the operator dials by hand."""
    attempt = calls.start_call(session, runtime, scope, order_id, now)
    order = session.get(Order, attempt.order_id)
    assert order is not None and attempt.id is not None
    if not telephony_on(session, order.tenant_id):
        return attempt, None
    tenant = session.get(Tenant, order.tenant_id)
    customer = session.get(Customer, order.customer_id)
    assert tenant is not None and customer is not None
    if customer.phone_e164 is None:
        return attempt, Dial(tenant.slug, None)
    line = lines.line_of(session, scope.operator_id)
    request = OutboundCallRequest(
        operator_id=scope.operator_id,
        attempt_id=attempt.id,
        order_id=order.id or 0,
        customer_id=customer.id or 0,
        to=customer.phone_e164,
        leg=line.line,
        operator_phone=line.phone_number if line.line == "phone" else None,
    )
    return attempt, Dial(tenant.slug, request)


def dial(client: NotifyTelephony, plan: Dial, attempt: Attempt) -> OutboundCallView:
    """Ask notify for the attempt's call (the same attempt again answers the same call). Any refusal says
    which attempt stays open, so the console offers the disposition by hand."""
    try:
        if plan.request is None:
            raise NumberRejected("The customer's number is not a full phone number; dial by hand or fix it.")
        view, _created = client.start_call(plan.tenant, plan.request)
    except DomainError as problem:
        problem.extra.update(attempt_id=attempt.id, order_id=attempt.order_id)
        raise
    return view


def link_call(session: Session, attempt_id: int, call_id: uuid.UUID) -> None:
    """The attempt is carried by this call from the moment notify made it, not only from its first snapshot: a
    disposition recorded before any snapshot then waits for the call's real end before the survey goes out.
    One statement on the attempt alone (no order lock taken here, so no lock-order question)."""
    session.exec(
        update(Attempt)
        .where(col(Attempt.id) == attempt_id, col(Attempt.call_id).is_(None))
        .values(call_id=str(call_id))
    )


def tenants_of(session: Session, scope: Scope) -> list[TenantRef]:
    """The caller's tenants, telephony-enabled ones first (where a call or a token is to be found)."""
    rows = session.exec(select(Tenant).where(col(Tenant.id).in_(sorted(scope.tenant_ids))).order_by(col(Tenant.id)))
    found = [(not telephony_on(session, tenant.id or 0), TenantRef(tenant.id or 0, tenant.slug)) for tenant in rows]
    return [ref for _off, ref in sorted(found, key=lambda pair: pair[0])]


def require_telephony(session: Session, tenants: list[TenantRef]) -> None:
    """No shop of the caller's calls through Okno → 409 before anyone asks notify: nothing could ring, and the
    console takes it as "telephony is not set up", not as an outage to retry."""
    if tenants and not telephony_on(session, tenants[0].id):  # tenants_of puts telephony-enabled shops first
        raise TelephonyDisabled("No shop of yours calls through Okno (telephony is off or has no number).")


def token(client: NotifyTelephony, scope: Scope, tenants: list[TenantRef]) -> AccessTokenView:
    """The softphone's access token; identity is per operator whatever the tenant (docs/telephony.md "Ids"),
    so any of the caller's tenants may ask for it."""
    if not tenants:
        raise NotFound("You work for no shop.")
    request = AccessTokenRequest(operator_id=scope.operator_id, ttl_seconds=TOKEN_TTL_SECONDS)
    return client.token(tenants[0].slug, request)


def find_call(
    client: NotifyTelephony, scope: Scope, tenants: list[TenantRef], call_id: uuid.UUID, *, hangup: bool = False
) -> tuple[TenantRef, CallSnapshot]:
    """The call as notify knows it now, if the caller may control it: their own call (outbound: who dials;
    inbound: who answered), or for a hang-up any call of a tenant they supervise. Else 404, like any call
    of another tenant (notify answers 404 for a tenant the call is not in)."""
    for tenant in tenants:
        try:
            snapshot = client.call(tenant.slug, call_id)
        except TelephonyProblem as problem:
            if problem.status == 404:
                continue
            raise
        if snapshot.operator_id == scope.operator_id or (hangup and scope.role is Role.SUPERVISOR):
            return tenant, snapshot
        break
    raise CallNotFound(f"No call {call_id} among yours.")


def record_control(
    session: Session,
    scope: Scope,
    tenant: TenantRef,
    before: CallSnapshot,
    after: CallSnapshot,
    now: datetime,
    *,
    on_hold: bool | None,
) -> None:
    """Audit a hold (`on_hold` given) or a hang-up (`None`) the caller asked for. A request that changed
    nothing (a retry, a call already over) is not audited again; notify's facts tell what happened next."""
    if on_hold is None:
        if before.state != "ended":
            _audit(session, scope, tenant, "call.hung_up", before, after, now)
    elif before.state != "ended" and before.on_hold != on_hold:
        if on_hold:
            _audit(session, scope, tenant, "call.held", before, after, now)
        else:
            _audit(session, scope, tenant, "call.resumed", before, after, now)


def _audit(
    session: Session,
    scope: Scope,
    tenant: TenantRef,
    action: str,
    before: CallSnapshot,
    after: CallSnapshot,
    now: datetime,
) -> None:
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action=action,
        entity="call",
        entity_id=str(after.call_id),
        tenant_id=tenant.id,
        before={"state": before.state, "on_hold": before.on_hold, "operator_id": before.operator_id},
        after={"state": after.state, "on_hold": after.on_hold, "outcome": after.outcome},
    )
