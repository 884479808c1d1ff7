"""Changing an order during the call: delivery date/slot/address, item quantities and removals, comment.

Guarded by the order's version (If-Match); every change is validated, recorded before -> after in the
audit log and the timeline, and sent to the ERP as `OrderChanged` in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlmodel import Session

from contracts.bounds import BoundedDate
from contracts.orders import ItemChange
from services.common.problems import DomainError, PreconditionFailed, Unprocessable
from services.order_confirm.domain import state_machine
from services.order_confirm.domain.vocabulary import OrderStatus
from services.order_confirm.models import Customer, Order
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service import audit, outcomes, queue, timeline
from services.order_confirm.service.scope import Scope, get_order

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ItemQuantity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    quantity: Annotated[int, Field(ge=0, le=100_000)]  # 0 removes the item


class OrderPatch(BaseModel):
    """Only the fields sent are changed; `null` clears an optional field."""

    model_config = ConfigDict(extra="forbid")
    delivery_date: BoundedDate | None = None
    delivery_slot: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    delivery_address: Text | None = None
    delivery_city: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    delivery_postcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None
    items: Annotated[list[ItemQuantity], Field(max_length=1000)] | None = None


class PreconditionRequired(DomainError):
    status, code, title = 428, "if_match_required", "Send the order's version in If-Match"


class OrderNotEditable(state_machine.IllegalTransition):
    code, title = "order_not_editable", "The order can no longer be changed"


class InvalidChange(Unprocessable):
    code, title = "invalid_change", "The change is not valid"


_REQUIRED = ("delivery_address",)


def change_order(
    session: Session,
    runtime: OrderConfirmRuntime,
    scope: Scope,
    order_id: int,
    *,
    expected_version: int | None,
    patch: OrderPatch,
    now: datetime,
) -> Order:
    order = get_order(session, scope, order_id, for_update=True)
    if expected_version is None:
        raise PreconditionRequired(f"Send `If-Match: {order.version}` (the version you are looking at).")
    if expected_version != order.version:
        raise PreconditionFailed(
            f"The order is at version {order.version}, not {expected_version}; reload it and try again.",
            current_version=order.version,
        )
    if OrderStatus(order.status) not in state_machine.EDITABLE:
        raise OrderNotEditable(
            f"An order that is {order.status} cannot be changed.",
            current=order.status,
            allowed=sorted(status.value for status in state_machine.EDITABLE),
        )
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    fields = patch.model_fields_set
    _check(patch, fields, customer, now)
    before, after = _apply_fields(order, patch, fields)
    item_changes = _apply_items(session, order, patch.items or []) if "items" in fields else []
    if not before and not item_changes:
        return order  # nothing differs: a repeated PATCH changes nothing and bumps nothing
    queue.take_lease(session, scope, order, now, timedelta(seconds=runtime.settings.task_lease_seconds))
    if item_changes:
        before["items"] = {c.sku: c.quantity_before for c in item_changes}
        after["items"] = {c.sku: c.quantity_after for c in item_changes}
        after["total_minor"] = order.total_minor
    order.version += 1
    order.updated_at = now
    session.add(order)
    _record(session, scope, order, customer, before=before, after=after, now=now)
    outcomes.order_changed(
        session, runtime.outbox, order, scope.operator, changed_fields=sorted(after), item_changes=item_changes
    )
    return order


def _check(patch: OrderPatch, fields: set[str], customer: Customer, now: datetime) -> None:
    errors = [
        {"field": name, "message": "Cannot be empty."}
        for name in _REQUIRED
        if name in fields and not getattr(patch, name)
    ]
    if patch.delivery_date is not None:
        today = now.astimezone(ZoneInfo(customer.timezone)).date()
        if patch.delivery_date < today:
            errors.append({"field": "delivery_date", "message": f"{patch.delivery_date} is in the past."})
    skus = [item.sku for item in patch.items or []]
    if len(skus) != len(set(skus)):
        errors.append({"field": "items", "message": "Each SKU may appear once."})
    if errors:
        raise InvalidChange("The change cannot be applied; see `errors`.", errors=errors)


def _apply_fields(order: Order, patch: OrderPatch, fields: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in sorted(fields - {"items"}):
        old, new = getattr(order, name), getattr(patch, name)
        if old != new:
            before[name] = old.isoformat() if isinstance(old, dt.date) else old
            after[name] = new.isoformat() if isinstance(new, dt.date) else new
            setattr(order, name, new)
    return before, after


def _apply_items(session: Session, order: Order, wanted: list[ItemQuantity]) -> list[ItemChange]:
    items = {item.sku: item for item in outcomes.items_of(session, order)}
    unknown = [q.sku for q in wanted if q.sku not in items]
    if unknown:
        raise InvalidChange(
            "Only items already in the order can be changed or removed.",
            errors=[{"field": "items", "message": f"SKU {sku!r} is not in this order."} for sku in unknown],
        )
    changes: list[ItemChange] = []
    for quantity in wanted:
        item = items[quantity.sku]
        if item.quantity != quantity.quantity:
            changes.append(ItemChange(sku=item.sku, quantity_before=item.quantity, quantity_after=quantity.quantity))
            order.total_minor += (quantity.quantity - item.quantity) * item.unit_price_minor
            item.quantity = quantity.quantity
            session.add(item)
    if all(item.quantity == 0 for item in items.values()):
        raise InvalidChange(
            "An order needs at least one item; cancel the order instead of removing everything.",
            errors=[{"field": "items", "message": "Every item would be removed."}],
        )
    return changes


def _record(
    session: Session,
    scope: Scope,
    order: Order,
    customer: Customer,
    *,
    before: dict[str, Any],
    after: dict[str, Any],
    now: datetime,
) -> None:
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="order.changed",
        entity="order",
        entity_id=order.id or 0,
        tenant_id=order.tenant_id,
        before=before,
        after={**after, "version": order.version},
    )
    timeline.add_event(
        session,
        customer,
        now=now,
        kind="order_changed",
        params={"external_id": order.external_id, "fields": sorted(after)},
        order_id=order.id,
        actor=scope.operator,
        details={"before": before, "after": after},
    )
