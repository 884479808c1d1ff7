"""Operators and admins through the API: shift status drives ownership, and a shop's order reaches the queue."""

from __future__ import annotations

from services.order_confirm.domain.vocabulary import Role
from tests.intake.conftest import Shop, login
from tests.intake.shop import order_body, post_order
from tests.support import wait_until


def test_an_accepted_order_appears_in_the_owners_queue(console: Shop) -> None:
    console.add_operator("olga")
    olga = login(console.client, "olga")
    assert console.client.put("/api/v1/me/status", json={"status": "available"}, headers=olga).status_code == 200

    accepted = post_order(console.client, console.slug, order_body("Q-1", method="express"))
    assert accepted.status_code == 202

    def queue() -> list[dict[str, object]]:
        response = console.client.get("/api/v1/queue", headers=olga)
        assert response.status_code == 200, response.text
        return list(response.json())

    [item] = wait_until(queue, timeout=10, message="the order in olga's queue")
    assert "Q-1" in str(item)


def test_a_customer_waiting_in_the_pool_goes_to_the_operator_who_comes_on_shift(console: Shop) -> None:
    console.add_operator("root", role=Role.ADMIN)
    admin = login(console.client, "root")
    post_order(console.client, console.slug, order_body("Q-2"))
    console.wait_for_orders(1)
    assert console.customer_of("Q-2").owner_id is None

    created = console.client.post(
        "/api/v1/admin/operators",
        json={"login": "pavel", "name": "Павел", "password": "password-123", "tenants": [console.slug], "capacity": 50},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert "password" not in created.text
    pavel = login(console.client, "pavel")
    on_shift = console.client.put("/api/v1/me/status", json={"status": "available"}, headers=pavel)

    assert on_shift.json()["status"] == "available"
    assert console.customer_of("Q-2").owner_id == created.json()["id"]
    assert len(console.client.get("/api/v1/queue", headers=pavel).json()) == 1


def test_admin_input_is_checked_and_other_tenants_and_roles_see_nothing(console: Shop) -> None:
    console.add_operator("root", role=Role.ADMIN)
    console.add_operator("olga")
    admin, olga = login(console.client, "root"), login(console.client, "olga")

    bad_tenant = console.client.post(
        "/api/v1/admin/tenants", json={"slug": "Bad Slug", "name": "X", "timezone": "Mars/Olympus"}, headers=admin
    )
    foreign = console.client.post(
        "/api/v1/admin/operators",
        json={"login": "spy", "name": "Spy", "password": "password-123", "tenants": ["other-shop"]},
        headers=admin,
    )
    as_operator = console.client.get("/api/v1/admin/operators", headers=olga)
    someone_else = console.client.put(
        f"/api/v1/operators/{console.operator_id('root')}/status", json={"status": "offline"}, headers=olga
    )

    assert bad_tenant.status_code == 422
    assert {e["field"] for e in bad_tenant.json()["errors"]} == {"slug", "timezone"}
    assert (foreign.status_code, foreign.json()["code"]) == (404, "unknown_tenant")
    assert as_operator.status_code == 404
    assert someone_else.status_code == 404
    made = console.client.post(
        "/api/v1/admin/tenants", json={"slug": "tea-two", "name": "Tea Two", "timezone": "Asia/Omsk"}, headers=admin
    )
    assert made.status_code == 201
    assert {t["slug"] for t in console.client.get("/api/v1/admin/tenants", headers=admin).json()} == {"acme", "tea-two"}
