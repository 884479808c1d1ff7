"""`callback.requested`: a caller asked, in the voice menu, to be called back (or the queue let them go).

One callback task per call (`phone_callback_requests` is keyed by the call), due at once, with the number to
call in its note, in the queue of the customer's owner — decided here from order_confirm's own data, not
from the owner notify saw — or in the tenant's unassigned pool when the customer has no owner. A caller
Okno does not know yet becomes a customer of the tenant by the requested number (found again if that
number already belongs to one), so the task has someone to call.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from contracts.telephony import CallbackRequested
from services.order_confirm.domain.phones import identify
from services.order_confirm.domain.vocabulary import TaskKind, TaskStatus
from services.order_confirm.models import Customer, PhoneCallbackRequest, Task, Tenant
from services.order_confirm.service import audit, timeline
from services.order_confirm.telephony.facts import known_customer, tenant_by_slug

UNKNOWN_CALLER_NAME = "Unknown caller"
PRIORITY = 5  # as a callback the customer asked for during a call


def apply_callback_requested(session: Session, tenant_slug: str, request: CallbackRequested, *, now: datetime) -> bool:
    """Open the callback task; False when this call's request was handled already (or the tenant is unknown)."""
    tenant = tenant_by_slug(session, tenant_slug)
    call_id = str(request.call_id)
    if tenant is None or tenant.id is None or session.get(PhoneCallbackRequest, call_id) is not None:
        return False
    customer = _customer(session, tenant, request, now=now)
    assert customer.id is not None
    task = Task(
        tenant_id=tenant.id, customer_id=customer.id, kind=TaskKind.CALLBACK.value, status=TaskStatus.OPEN.value,
        priority=PRIORITY, due_at=request.requested_at, assignee_id=customer.owner_id,
        note=f"Asked by phone to be called back at {request.requested_number} ({request.reason})", created_at=now,
    )  # fmt: skip
    session.add(task)
    session.flush()
    assert task.id is not None
    session.add(
        PhoneCallbackRequest(
            call_id=call_id,
            tenant_id=tenant.id,
            customer_id=customer.id,
            task_id=task.id,
            requested_number=request.requested_number,
            reason=request.reason,
            requested_at=request.requested_at,
        )  # fmt: skip
    )
    timeline.add_event(
        session, customer, now=request.requested_at, kind="phone_callback_requested",
        params={"reason": request.reason, "requested_number": request.requested_number},
        details={"call_id": call_id, "task_id": task.id},
    )  # fmt: skip
    audit.record(
        session, now=now, actor="system:telephony", action="task.callback_requested_by_phone", entity="task",
        entity_id=task.id, tenant_id=tenant.id,
        after={
            "call_id": call_id, "customer_id": customer.id, "assignee_id": task.assignee_id, "reason": request.reason,
        },
    )  # fmt: skip
    return True


def _customer(session: Session, tenant: Tenant, request: CallbackRequested, *, now: datetime) -> Customer:
    assert tenant.id is not None
    known = known_customer(session, tenant.id, request.customer_id)
    if known is not None:
        customer = session.get(Customer, known)
        assert customer is not None
        return customer
    identity = identify(request.requested_number, tenant.country)
    found = session.exec(
        select(Customer).where(col(Customer.tenant_id) == tenant.id, col(Customer.phone_key) == identity.key)
    ).first()
    if found is not None:
        return found
    customer = Customer(
        tenant_id=tenant.id, phone_key=identity.key, phone_e164=identity.e164, phone_raw=request.requested_number,
        bad_phone=identity.bad, name=UNKNOWN_CALLER_NAME, timezone=tenant.timezone, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(customer)
    session.flush()
    return customer
