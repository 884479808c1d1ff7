"""The whole same-day story through the HTTP API: slots, payment link by SMS, YooKassa payment, CDEK, ERP."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlmodel import Session, select

from services.integrations.models import PaymentEvent, Shipment
from services.integrations.service.delivery_sender import send_due
from services.integrations.service.link_expiry import expire_due_links
from services.integrations.service.shipments import refresh_unconfirmed
from services.order_confirm.models import Task
from tests.same_day.conftest import OWN_COURIER, TENANT, SameDay
from tests.support import wait_until


def test_customer_pays_the_texted_link_and_the_order_goes_to_cdek_and_the_shop(same_day: SameDay) -> None:
    same_day.cdek_courier()
    same_day.yookassa_payments()
    order_id = same_day.new_order("A-1001")
    api, outside = same_day.operator, same_day.outside

    # Another operator does not own this customer: for them the order does not exist.
    with same_day.login_as("ivan") as stranger:
        assert stranger.get(f"/api/v1/orders/{order_id}/same-day").status_code == 404
        assert stranger.post(f"/api/v1/orders/{order_id}/payment-link", json={}).status_code == 404

    # No link yet: the card's list is empty (no error to show), the single link is "not found".
    assert api.get(f"/api/v1/orders/{order_id}/payment-links").json() == []
    assert api.get(f"/api/v1/orders/{order_id}/payment-link").status_code == 404

    # The owner asks for today's slots: CDEK's same-day tariff prices the delivery.
    slots = api.get(f"/api/v1/orders/{order_id}/same-day")
    assert slots.status_code == 200, slots.text
    answer = slots.json()
    assert answer["eligible"] is True
    (slot,) = answer["slots"]
    assert (slot["courier"], Decimal(slot["price"])) == ("cdek", Decimal("450"))

    # ... picks the slot and creates the link; the customer gets it by SMS.
    created = api.post(f"/api/v1/orders/{order_id}/payment-link", json={"slot_id": slot["slot_id"]})
    assert created.status_code == 201, created.text
    links = api.get(f"/api/v1/orders/{order_id}/payment-links").json()
    assert [link["link_id"] for link in links] == [created.json()["link_id"]]
    link = created.json()
    assert Decimal(link["amount"]) == Decimal("1200.00")  # 750 order + 450 same-day delivery
    assert link["url"].startswith(f"{outside.yookassa_url}/pay/")
    assert same_day.order(order_id).status == "awaiting_payment"
    (receipt_request,) = outside.yookassa.create_requests
    assert receipt_request["body"]["receipt"]["items"][-1]["amount"] == {"value": "450.00", "currency": "RUB"}
    message = wait_until(lambda: outside.twilio.messages, message="the SMS at Twilio")[0]
    assert message.to == "+79161234567"
    assert link["url"] in message.body and "A-1001" in message.body

    # Twilio reports delivery; the owner sees the link as sent.
    assert same_day.twilio_status(message.sid, "delivered").status_code == 204
    wait_until(lambda: _link(api, order_id)["status"] == "sent", message="link status sent")

    # Asking again while the link is valid gives the same link, and no second payment.
    again = api.post(f"/api/v1/orders/{order_id}/payment-link", json={"slot_id": slot["slot_id"]})
    assert again.status_code == 200 and again.json()["link_id"] == link["link_id"]
    assert len(outside.yookassa.create_requests) == 1

    # The customer pays. YooKassa's notification arrives five times, then a stale one out of order.
    payment_id = link["url"].rsplit("/", 1)[1]
    outside.yookassa.pay(payment_id)
    hook = f"{same_day.url}/integrations/v1/payments/{TENANT}/yookassa"
    answers = [
        httpx.post(hook, json=outside.yookassa.notification(payment_id, "payment.succeeded")).json()["status"]
        for _ in range(5)
    ]
    stale = outside.yookassa.notification(payment_id, "payment.waiting_for_capture")
    assert httpx.post(hook, json=stale).status_code == 200
    assert answers == ["applied", "duplicate", "duplicate", "duplicate", "duplicate"]

    wait_until(lambda: same_day.order(order_id).status == "paid", message="order paid")
    assert _link(api, order_id)["status"] == "paid"
    queue = api.get("/api/v1/queue")
    assert queue.status_code == 200, queue.text
    with Session(same_day.okno.order_confirm.engine) as session:
        tasks = session.exec(select(Task).where(Task.order_id == order_id, Task.kind == "payment_follow_up")).all()
    assert [t.status for t in tasks] == ["open"]

    # The courier gets the order with the slot; CDEK confirms it asynchronously.
    wait_until(lambda: outside.cdek.orders, message="CDEK order")
    (cdek_order,) = outside.cdek.orders.values()
    assert cdek_order["request"]["tariff_code"] == 480
    assert cdek_order["request"]["recipient"]["phones"] == [{"number": "+79161234567"}]
    refresh_unconfirmed(same_day.okno.integrations)
    with Session(same_day.okno.integrations.engine) as session:
        (shipment,) = session.exec(select(Shipment)).all()
        applied = session.exec(select(PaymentEvent).where(PaymentEvent.outcome == "applied")).all()
    assert (shipment.status, shipment.slot_id) == ("created", slot["slot_id"])
    assert shipment.courier_number is not None
    assert len(applied) == 1

    # The shop's system of record learns about the payment.
    def shop_told() -> bool:
        send_due(same_day.okno.integrations)
        return any(e.get("type") == "payment.succeeded" for e in outside.shop_events)

    wait_until(shop_told, timeout=20, message="payment.succeeded at the shop's webhook")

    # In the evening the courier finds nobody at home: the owner gets a task to rearrange delivery.
    (cdek_uuid,) = outside.cdek.orders
    webhook = outside.cdek.set_status(cdek_uuid, "NOT_DELIVERED", reason_code="3")
    reported = httpx.post(f"{same_day.url}/integrations/v1/couriers/{TENANT}/cdek", json=webhook)
    assert reported.json() == {"status": "applied"}

    def rearrange_tasks() -> list[Task]:
        with Session(same_day.okno.order_confirm.engine) as session:
            query = select(Task).where(Task.order_id == order_id, Task.kind == "rearrange_delivery")
            return list(session.exec(query).all())

    (task,) = wait_until(rearrange_tasks, message="a rearrange-delivery task")
    assert task.assignee_id == same_day.order_owner(order_id) and "recipient not at home" in (task.note or "")


EARLY_SLOT = "own:2026-11-23:16-18"


def _link(api: httpx.Client, order_id: int) -> dict[str, str]:
    response = api.get(f"/api/v1/orders/{order_id}/payment-link")
    assert response.status_code == 200, response.text
    data: dict[str, str] = response.json()
    return data


def test_an_unpaid_link_expires_and_the_owner_is_asked_to_call_the_customer(same_day: SameDay) -> None:
    same_day.courier("own", OWN_COURIER)
    same_day.yookassa_payments(receipts=False)
    order_id = same_day.new_order("A-2002")
    created = same_day.operator.post(f"/api/v1/orders/{order_id}/payment-link", json={"slot_id": EARLY_SLOT})
    assert created.status_code == 201, created.text

    same_day.clock.advance(minutes=31)
    assert expire_due_links(same_day.okno.integrations) == 1
    same_day.sign_in_again()

    wait_until(lambda: _link(same_day.operator, order_id)["status"] == "expired", message="link expired")
    with Session(same_day.okno.order_confirm.engine) as session:
        (task,) = session.exec(select(Task).where(Task.order_id == order_id, Task.kind == "payment_follow_up")).all()
    assert task.assignee_id == same_day.order_owner(order_id) and "expired" in (task.note or "")
    again = same_day.operator.get(f"/api/v1/orders/{order_id}/same-day").json()
    assert next(s for s in again["slots"] if s["slot_id"] == EARLY_SLOT)["remaining"] == 1  # the place is back
