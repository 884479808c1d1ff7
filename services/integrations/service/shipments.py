"""From a paid same-day order to the courier, and the courier's reports back to the customer's owner.

A shipment is created by the `shipment.requested` consumer (retried with backoff while the courier is
down). Its status then arrives by courier webhook (re-read from the courier's API before it is trusted) or
by the periodic refresh of shipments the courier has not confirmed yet.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from contracts.delivery import CourierEventReceived, ShipmentRequested
from contracts.http.same_day import SameDayOrder, SameDaySlot
from contracts.routing import MessageType
from services.common.db import transaction
from services.common.problems import DomainError, NotFound
from services.integrations.adapters.couriers.base import CourierError, CourierRejected, ShipmentState
from services.integrations.adapters.couriers.providers import courier_events_for, courier_for
from services.integrations.adapters.webhooks import InboundWebhook
from services.integrations.models import PaymentLink, Shipment
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.provider_setup import courier_config


class CourierUnavailable(DomainError):
    status, code, title = 502, "courier_unavailable", "The courier's API did not answer"


def create_shipment(runtime: IntegrationsRuntime, session: Session, tenant: str, request: ShipmentRequested) -> None:
    """Hand a paid order to its courier once; CourierError propagates so the message is retried."""
    if session.exec(select(Shipment.id).where(Shipment.link_id == request.link_id)).first() is not None:
        return
    link = session.get(PaymentLink, request.link_id)
    if link is None or link.tenant != tenant:
        return
    now = runtime.clock()
    courier = courier_for(courier_config(session, tenant))
    shipment = Shipment(
        tenant=tenant,
        link_id=link.id,
        order_id=link.order_id,
        external_id=link.external_id,
        courier=courier.name,
        slot_id=link.slot_id,
        status="requested",
        created_at=now,
        updated_at=now,
    )
    if link.slot is None:
        # Paid after its link expired: no slot is held any more, so the owner arranges a new time.
        state = ShipmentState("rejected", "NO_SLOT", reason="paid after the link expired; no slot is held")
    else:
        order = SameDayOrder.model_validate(link.order)
        try:
            accepted = courier.create_shipment(order, SameDaySlot.model_validate(link.slot), _reference(link))
        except CourierRejected as error:
            state = ShipmentState("rejected", "REJECTED", reason=str(error))
        else:
            shipment.provider_ref = accepted.provider_ref
            state = accepted.state
    _record_state(runtime, session, shipment, state)


def on_courier_webhook(runtime: IntegrationsRuntime, tenant: str, courier: str, webhook: InboundWebhook) -> str:
    """A webhook at `/v1/couriers/{tenant}/{courier}`: `applied` when it changed a shipment, else `ignored`."""
    events = courier_events_for(courier)
    if events is None:
        raise NotFound(f"No courier {courier!r} sends webhooks here.")
    event = events.parse(webhook)
    if event is None:
        return "ignored"
    try:
        changed = on_courier_report(runtime, tenant, event.provider_ref)
    except CourierError as error:
        raise CourierUnavailable(f"{courier.upper()} did not confirm the status: {error}") from None
    return "applied" if changed else "ignored"


def on_courier_report(runtime: IntegrationsRuntime, tenant: str, provider_ref: str) -> bool:
    """A courier said something about a shipment: re-read it from the courier and record what changed."""
    with Session(runtime.engine) as session:
        shipment = session.exec(
            select(Shipment).where(Shipment.tenant == tenant, Shipment.provider_ref == provider_ref)
        ).first()
        if shipment is None:
            return False
        courier = courier_for(courier_config(session, tenant))
    state = courier.shipment_status(provider_ref)
    with transaction(runtime.engine) as session:
        current = session.get(Shipment, shipment.id)
        assert current is not None
        return _record_state(runtime, session, current, state)


def refresh_unconfirmed(runtime: IntegrationsRuntime, *, limit: int = 50) -> int:
    """Ask couriers about shipments they accepted but have not confirmed (CDEK creates orders asynchronously)."""
    with Session(runtime.engine) as session:
        waiting = session.exec(
            select(Shipment.tenant, Shipment.provider_ref)
            .where(Shipment.status == "requested", col(Shipment.provider_ref).is_not(None))
            .order_by(col(Shipment.updated_at))
            .limit(limit)
        ).all()
    changed = 0
    for tenant, provider_ref in waiting:
        try:
            changed += on_courier_report(runtime, tenant, str(provider_ref))
        except CourierError:
            continue  # the courier is down; the next round asks again
    return changed


def _record_state(runtime: IntegrationsRuntime, session: Session, shipment: Shipment, state: ShipmentState) -> bool:
    if shipment.id is not None and (shipment.status, shipment.courier_status) == (state.status, state.courier_status):
        return False
    shipment.status = state.status
    shipment.courier_status = state.courier_status
    shipment.courier_number = state.courier_number or shipment.courier_number
    shipment.last_error = state.reason if state.needs_rearrangement else None
    shipment.updated_at = runtime.clock()
    session.add(shipment)
    session.flush()
    runtime.outbox.add(
        session,
        MessageType.COURIER_EVENT_RECEIVED,
        shipment.tenant,
        CourierEventReceived(
            order_id=shipment.order_id,
            external_id=shipment.external_id,
            courier=shipment.courier,
            shipment_ref=shipment.courier_number or shipment.provider_ref or f"shipment-{shipment.id}",
            status=state.status,
            courier_status=state.courier_status,
            reason=state.reason,
            needs_rearrangement=state.needs_rearrangement,
            slot_id=shipment.slot_id,
            occurred_at=runtime.clock(),
        ),
    )
    return True


def _reference(link: PaymentLink) -> str:
    """Our number for the courier: unique per payment link, so a retried creation cannot make a second order."""
    return f"{link.external_id}-{link.id[-8:]}"
