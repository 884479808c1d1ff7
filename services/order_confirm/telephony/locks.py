"""The workflow's lock order, for consumers of call facts that write rows referencing an attempt.

scope.get_order (confirm, change, cancel, dispositions) locks the customer, then the order, then writes the
attempt. A consumer whose inserts reference the attempt takes key-share locks on those rows through their
foreign keys — in the constraints' order (attempt first), at flush time — unless it has taken them itself,
in the workflow's order, before. Without this, a confirmation and a call fact (or a recording) arriving
at the same moment deadlocked on PostgreSQL and the confirmation answered 503 (softphone browser test).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from services.order_confirm.models import Attempt, Customer, Order


def lock_attempt_in_workflow_order(
    session: Session, tenant_id: int, attempt_id: int | None, *, update_attempt: bool
) -> Attempt | None:
    """Customer and order key-share, then the attempt (for update when the caller writes it); None when the
    attempt is not this tenant's."""
    if attempt_id is None:
        return None
    found = session.exec(
        select(Attempt.order_id, Attempt.tenant_id, Order.customer_id)
        .join(Order, col(Order.id) == col(Attempt.order_id))
        .where(col(Attempt.id) == attempt_id)
    ).first()
    if found is None or found[1] != tenant_id:
        return None
    order_id, _tenant_id, customer_id = found
    session.exec(select(Customer.id).where(col(Customer.id) == customer_id).with_for_update(key_share=True)).first()
    session.exec(select(Order.id).where(col(Order.id) == order_id).with_for_update(key_share=True)).first()
    attempt = select(Attempt).where(col(Attempt.id) == attempt_id)
    if update_attempt:
        return session.exec(attempt.with_for_update()).first()
    return session.exec(attempt.with_for_update(key_share=True)).first()
