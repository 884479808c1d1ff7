"""From the shop's webhook to the owner's queue: customers, one owner, orders, confirmation tasks, shop changes."""

from __future__ import annotations

from sqlmodel import col, select

from services.order_confirm.domain.vocabulary import OperatorStatus, OrderStatus
from services.order_confirm.models import Customer, OrderItem, TimelineEvent
from tests.intake.conftest import Shop
from tests.intake.shop import order_body, post_order
from tests.support import wait_until

AVAILABLE, OFFLINE = OperatorStatus.AVAILABLE, OperatorStatus.OFFLINE


def send(shop: Shop, external_id: str, **options: object) -> None:
    response = post_order(shop.client, shop.slug, order_body(external_id, **options))  # type: ignore[arg-type]
    assert response.status_code == 202, response.text


def timeline(shop: Shop, external_id: str) -> list[str]:
    customer = shop.customer_of(external_id)
    with shop.session() as session:
        events = session.exec(
            select(TimelineEvent).where(TimelineEvent.customer_id == customer.id).order_by(col(TimelineEvent.id))
        )
        return [event.kind for event in events]


def test_a_new_customer_goes_to_the_least_loaded_operator_and_keeps_that_owner(shop: Shop) -> None:
    shop.add_operator("busy-bee", status=AVAILABLE)
    shop.add_operator("fresh", status=AVAILABLE)
    shop.add_operator("at-home", status=OFFLINE)
    send(shop, "O-1", phone="+7 916 000-00-01")
    shop.wait_for_orders(1)
    first_owner = shop.customer_of("O-1").owner_id

    send(shop, "O-2", phone="+7 913 000-00-02", city="Новосибирск", method="express")
    # O-4 is a new customer too: let O-2 be assigned first, or the two may take the free operator in either order.
    shop.wait_for_orders(2)
    send(shop, "O-3", phone="8 (916) 000-00-01")  # the first customer again, written the Russian way
    send(shop, "O-4", phone="нет телефона")
    shop.wait_for_orders(4)

    owners = {shop.customer_of(external_id).owner_id for external_id in ("O-1", "O-2")}
    assert owners == {shop.operator_id("busy-bee"), shop.operator_id("fresh")}
    assert shop.customer_of("O-3").id == shop.customer_of("O-1").id
    assert shop.customer_of("O-3").owner_id == first_owner
    [task] = shop.open_tasks("O-3")
    assert (task.assignee_id, task.kind) == (first_owner, "confirm")
    assert shop.order("O-3").status == OrderStatus.AWAITING_CALL
    assert shop.count(OrderItem) == 4
    # Express is called first; calling hours follow the delivery city, not the Moscow shop.
    assert shop.open_tasks("O-2")[0].priority > shop.open_tasks("O-3")[0].priority
    assert shop.customer_of("O-2").timezone == "Asia/Novosibirsk"
    # A phone that does not parse is accepted and flagged for a supervisor, never dropped.
    unparseable = shop.customer_of("O-4")
    assert unparseable.bad_phone and unparseable.phone_e164 is None
    assert shop.order("O-4").status == OrderStatus.AWAITING_CALL


def test_with_nobody_free_the_customer_waits_in_the_pool_until_an_operator_starts(shop: Shop) -> None:
    shop.add_operator("small", status=AVAILABLE, capacity=1)
    shop.add_operator("late", status=OFFLINE)
    send(shop, "P-1", phone="+7 916 000-00-11")
    shop.wait_for_orders(1)
    send(shop, "P-2", phone="+7 916 000-00-12")  # "small" is full now
    shop.wait_for_orders(2)
    assert shop.customer_of("P-1").owner_id == shop.operator_id("small")
    assert shop.customer_of("P-2").owner_id is None
    assert shop.open_tasks("P-2")[0].assignee_id is None

    shop.set_status("late", AVAILABLE)

    assert shop.customer_of("P-2").owner_id == shop.operator_id("late")
    assert shop.open_tasks("P-2")[0].assignee_id == shop.operator_id("late")


def test_shop_change_then_cancellation_before_confirmation_update_close_and_note_it(shop: Shop) -> None:
    shop.add_operator("op", status=AVAILABLE)
    send(shop, "U-1")
    shop.wait_for_orders(1)
    send(shop, "U-1", event="order.updated", quantity=4)
    wait_until(lambda: shop.order("U-1").total_minor == 300_000, message="the change applied")

    assert shop.order("U-1").version == 2
    assert len(shop.open_tasks("U-1")) == 1
    assert timeline(shop, "U-1")[-1] == "order_changed_by_shop"

    send(shop, "U-1", event="order.cancelled", quantity=4)

    wait_until(lambda: shop.order("U-1").status == OrderStatus.CANCELLED_BY_SHOP, message="order cancelled")
    assert shop.open_tasks("U-1") == []
    assert shop.order("U-1").closed_at is not None
    assert timeline(shop, "U-1")[-1] == "order_cancelled_by_shop"


def test_shop_change_after_confirmation_reopens_the_order_with_a_note(shop: Shop) -> None:
    shop.add_operator("op", status=AVAILABLE)
    send(shop, "U-2")
    shop.wait_for_orders(1)
    confirm_by_operator(shop, "U-2")

    send(shop, "U-2", event="order.updated", method="express")

    wait_until(lambda: shop.order("U-2").status == OrderStatus.AWAITING_CALL, message="order reopened")
    [task] = shop.open_tasks("U-2")
    assert task.note == "Changed by shop after confirmation"
    assert task.assignee_id == shop.operator_id("op")
    assert timeline(shop, "U-2")[-1] == "order_changed_by_shop"


def confirm_by_operator(shop: Shop, external_id: str) -> None:
    """The operator's confirmation, as the workflow leaves it: order confirmed and closed, task done."""
    order, [task] = shop.order(external_id), shop.open_tasks(external_id)
    with shop.session() as session:
        order.status, order.closed_at = OrderStatus.CONFIRMED.value, order.updated_at
        task.status, task.closed_at = "done", order.updated_at
        session.add_all([order, task])
        session.commit()
    assert shop.count(Customer) == 1
