"""Same-day eligibility (slots with price, or the reason) and slot capacity held by payment links."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from contracts.http.same_day import IneligibleReason, SameDayAnswer, SameDayOrder, SameDaySlot
from services.common.problems import Conflict, Unprocessable
from services.integrations.adapters.couriers.base import CourierError, Price
from services.integrations.adapters.couriers.providers import courier_for
from services.integrations.domain.same_day import OpenWindow, cutoff_at, open_windows, refusal_for, slot_id
from services.integrations.models import SlotCapacity
from services.integrations.service.provider_setup import courier_config


class SlotUnavailable(Conflict):
    code, title = "slot_unavailable", "This same-day slot can no longer be booked"


def tenant_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Unprocessable(f"Unknown timezone {name!r}.") from None


def quote(session: Session, tenant: str, order: SameDayOrder, *, now: datetime) -> SameDayAnswer:
    """Today's bookable slots for the order, or the first reason it cannot go today."""
    config = courier_config(session, tenant)
    rules = config.rules()
    tz = tenant_zone(order.timezone)
    cutoff = cutoff_at(rules, now, tz)
    refusal = refusal_for(
        rules, city=order.city, postcode=order.postcode, skus=[i.sku for i in order.items], now=now, tz=tz
    )
    if refusal is not None:
        return SameDayAnswer(eligible=False, reason=refusal.reason, detail=refusal.detail, cutoff_at=cutoff)
    windows = open_windows(rules, now, tz)
    if not windows:
        return SameDayAnswer(
            eligible=False,
            reason=IneligibleReason.PAST_CUTOFF,
            detail="Today's last delivery window starts too soon for a courier to make it.",
            cutoff_at=cutoff,
        )
    courier = courier_for(config)
    try:
        price = courier.price_today(order)
    except CourierError as error:
        return SameDayAnswer(
            eligible=False, reason=IneligibleReason.COURIER_UNAVAILABLE, detail=str(error), cutoff_at=cutoff
        )
    if price is None:
        return SameDayAnswer(
            eligible=False,
            reason=IneligibleReason.ZONE_NOT_SERVED,
            detail=f"{courier.name} has no same-day tariff to this address.",
            cutoff_at=cutoff,
        )
    slots = _slots(session, tenant, courier.name, windows, price)
    bookable = [s for s in slots if s.remaining is None or s.remaining > 0]
    if not bookable:
        return SameDayAnswer(
            eligible=False,
            reason=IneligibleReason.SLOT_FULL,
            detail="Every same-day slot left today is fully booked.",
            cutoff_at=cutoff,
        )
    return SameDayAnswer(eligible=True, slots=bookable, cutoff_at=cutoff)


def _slots(session: Session, tenant: str, courier: str, windows: list[OpenWindow], price: Price) -> list[SameDaySlot]:
    ids = [slot_id(courier, w.date, w.window.code) for w in windows]
    reserved = _reserved(session, tenant, ids)
    return [
        SameDaySlot(
            slot_id=sid,
            courier=courier,
            date=w.date,
            starts_at=w.starts_at,
            ends_at=w.ends_at,
            price=w.window.price if w.window.price is not None else price.amount,
            currency=price.currency,
            remaining=None if w.window.capacity is None else max(0, w.window.capacity - reserved.get(sid, 0)),
        )
        for sid, w in zip(ids, windows, strict=True)
    ]


def capacity_of(session: Session, tenant: str, slot: SameDaySlot) -> int | None:
    config = courier_config(session, tenant)
    code = slot.slot_id.rsplit(":", 1)[-1]
    return next((w.capacity for w in config.windows if w.code == code), None)


def hold_slot(session: Session, tenant: str, slot: SameDaySlot) -> bool:
    """Take one place in the slot; raises SlotUnavailable when it is full. False if it has no capacity limit."""
    capacity = capacity_of(session, tenant, slot)
    if capacity is None:
        return False
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(SlotCapacity).values(tenant=tenant, slot_id=slot.slot_id, reserved=0).on_conflict_do_nothing()
    )
    # A conditional increment: two operators racing for the last place cannot both get it.
    taken = session.execute(
        update(SlotCapacity)
        .where(
            col(SlotCapacity.tenant) == tenant,
            col(SlotCapacity.slot_id) == slot.slot_id,
            col(SlotCapacity.reserved) < capacity,
        )
        .values(reserved=SlotCapacity.reserved + 1)
    )
    if taken.rowcount == 0:  # type: ignore[attr-defined]
        raise SlotUnavailable("That slot was just fully booked; pick another one.", reason=IneligibleReason.SLOT_FULL)
    return True


def release_slot(session: Session, tenant: str, slot_id_: str) -> None:
    session.execute(
        update(SlotCapacity)
        .where(
            col(SlotCapacity.tenant) == tenant,
            col(SlotCapacity.slot_id) == slot_id_,
            col(SlotCapacity.reserved) > 0,
        )
        .values(reserved=SlotCapacity.reserved - 1)
    )


def _reserved(session: Session, tenant: str, ids: list[str]) -> dict[str, int]:
    rows = session.exec(
        select(SlotCapacity).where(SlotCapacity.tenant == tenant, col(SlotCapacity.slot_id).in_(ids))
    ).all()
    return {row.slot_id: row.reserved for row in rows}
