"""`call.completed` (which may lead to a post-call survey) is sent once per attempt, when both are known:
how the call ended (the operator's disposition) and when it really ended.

Without telephony the disposition is the end (the manual path, as before). With a call carried by Okno
(`Attempt.call_id`), the survey waits for notify's final snapshot, whichever of the two arrives first, so
`CallCompleted.ended_at` is the moment the customer's line was released — not the moment a button was
pressed. A call that never reached the customer (no answer, busy, failed, canceled) sends nothing, whatever
the disposition says; one Twilio could not place (`unavailable`) leaves the disposition to decide, because
the operator then called by other means.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from services.common.messaging.outbox import Outbox
from services.order_confirm.models import Attempt, Customer, Operator, Order, OutboundCall, Tenant
from services.order_confirm.service import outcomes

SURVEYABLE_OUTCOMES = ("answered", "unavailable")


def carried_call(session: Session, attempt: Attempt) -> OutboundCall | None:
    return session.get(OutboundCall, attempt.call_id) if attempt.call_id else None


def real_end(session: Session, attempt: Attempt) -> datetime | None:
    """The end of the call that carried the attempt, once notify reported it; None otherwise."""
    call = carried_call(session, attempt)
    return call.ended_at if call is not None and call.state == "ended" else None


def complete_attempt(session: Session, outbox: Outbox, attempt: Attempt, *, now: datetime) -> bool:
    """Send `call.completed` if it is due and was not sent; True when this call decided it."""
    if attempt.disposition is None or attempt.completion_sent_at is not None:
        return False
    call = carried_call(session, attempt)
    if attempt.call_id is not None and (call is None or call.state != "ended"):
        return False  # the call's final snapshot will complete it
    attempt.completion_sent_at = now
    session.add(attempt)
    if call is not None and call.outcome not in SURVEYABLE_OUTCOMES:
        return True
    order = session.get(Order, attempt.order_id)
    assert order is not None
    customer = session.get(Customer, order.customer_id)
    operator = session.get(Operator, attempt.operator_id)
    tenant = session.get(Tenant, attempt.tenant_id)
    assert customer is not None and operator is not None and tenant is not None
    outcomes.call_completed(session, outbox, attempt, customer, operator, language=tenant.language)
    return True
