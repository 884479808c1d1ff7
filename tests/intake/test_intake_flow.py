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

    send(shop, "O-2", phone="+7 916 000-00-02")
    send(shop, "O-3", phone="8 (916) 000-00-01")  # the first customer again, written the Russian way
    shop.wait_for_orders(3)

    owners = {shop.customer_of(external_id).owner_id for external_id in ("O-1", "O-2")}
    assert owners == {shop.operator_id("busy-bee"), shop.operator_id("fresh")}
    assert shop.customer_of("O-3").id == shop.customer_of("O-1").id
    assert shop.customer_of("O-3").owner_id == first_owner
    [task] = shop.open_tasks("O-3")
    assert (task.assignee_id, task.kind) == (first_owner, "confirm")
    assert shop.order("O-3").status == OrderStatus.AWAITING_CALL
    assert shop.count(OrderItem) == 3


def test_with_nobody_on_shift_the_customer_waits_in_the_pool_until_an_operator_starts(shop: Shop) -> None:
    shop.add_operator("late", status=OFFLINE)
    send(shop, "P-1")
    shop.wait_for_orders(1)
    assert shop.customer_of("P-1").owner_id is None
    assert shop.open_tasks("P-1")[0].assignee_id is None

    shop.set_status("late", AVAILABLE)

    assert shop.customer_of("P-1").owner_id == shop.operator_id("late")
    assert shop.open_tasks("P-1")[0].assignee_id == shop.operator_id("late")


def test_a_full_operator_gets_no_new_customers(shop: Shop) -> None:
    shop.add_operator("small", status=AVAILABLE, capacity=1)
    send(shop, "C-1", phone="+7 916 000-00-11")
    send(shop, "C-2", phone="+7 916 000-00-12")
    shop.wait_for_orders(2)
    owners = sorted(shop.customer_of(x).owner_id or 0 for x in ("C-1", "C-2"))
    assert owners == [0, shop.operator_id("small")]


def test_an_unparseable_phone_is_accepted_and_flagged_for_a_supervisor(shop: Shop) -> None:
    send(shop, "B-1", phone="нет телефона")
    shop.wait_for_orders(1)
    customer = shop.customer_of("B-1")
    assert customer.bad_phone and customer.phone_e164 is None
    assert shop.order("B-1").status == OrderStatus.AWAITING_CALL


def test_customer_timezone_follows_the_delivery_city(shop: Shop) -> None:
    send(shop, "T-1", phone="+7 913 000-00-21", city="Новосибирск")
    shop.wait_for_orders(1)
    assert shop.customer_of("T-1").timezone == "Asia/Novosibirsk"


def test_express_orders_are_called_first(shop: Shop) -> None:
    shop.add_operator("op", status=AVAILABLE)
    send(shop, "E-1", phone="+7 916 000-00-31", method="courier")
    send(shop, "E-2", phone="+7 916 000-00-32", method="express")
    shop.wait_for_orders(2)
    assert shop.open_tasks("E-2")[0].priority > shop.open_tasks("E-1")[0].priority


def test_shop_change_before_confirmation_updates_the_order_and_notes_it(shop: Shop) -> None:
    shop.add_operator("op", status=AVAILABLE)
    send(shop, "U-1")
    shop.wait_for_orders(1)
    send(shop, "U-1", event="order.updated", quantity=4)
    wait_until(lambda: shop.order("U-1").total_minor == 300_000, message="the change applied")

    assert shop.order("U-1").version == 2
    assert len(shop.open_tasks("U-1")) == 1
    assert timeline(shop, "U-1")[-1] == "order_changed_by_shop"


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


def test_shop_cancellation_closes_the_task_and_notes_it(shop: Shop) -> None:
    shop.add_operator("op", status=AVAILABLE)
    send(shop, "X-1")
    shop.wait_for_orders(1)
    send(shop, "X-1", event="order.cancelled")

    wait_until(lambda: shop.order("X-1").status == OrderStatus.CANCELLED_BY_SHOP, message="order cancelled")
    assert shop.open_tasks("X-1") == []
    assert shop.order("X-1").closed_at is not None
    assert timeline(shop, "X-1")[-1] == "order_cancelled_by_shop"


def confirm_by_operator(shop: Shop, external_id: str) -> None:
    """The operator's confirmation, as the workflow leaves it: order confirmed and closed, task done."""
    order, [task] = shop.order(external_id), shop.open_tasks(external_id)
    with shop.session() as session:
        order.status, order.closed_at = OrderStatus.CONFIRMED.value, order.updated_at
        task.status, task.closed_at = "done", order.updated_at
        session.add_all([order, task])
        session.commit()
    assert shop.count(Customer) == 1
