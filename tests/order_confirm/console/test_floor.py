"""The supervisor's floor (GET /api/v1/floor): their team's load, each shop's queue, the pool, the covers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers


def test_supervisor_sees_team_load_queue_length_oldest_order_and_pool_and_operators_do_not(
    service: Okno, client: httpx.Client
) -> None:
    engine, now = service.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    sup = add_operator(engine, "sup", Role.SUPERVISOR, [tenant], now=now)
    op1 = add_operator(engine, "op1", Role.OPERATOR, [tenant], now=now, supervisor_id=sup)
    add_operator(engine, "op2", Role.OPERATOR, [tenant], now=now, supervisor_id=sup)
    stranger = add_operator(engine, "op3", Role.OPERATOR, [tenant], now=now)  # another supervisor's team
    oldest = add_order(engine, tenant, op1, now=now - timedelta(hours=2))
    add_order(engine, tenant, op1, now=now - timedelta(minutes=5), urgent=True)
    waiting = add_order(engine, tenant, None, now=now - timedelta(minutes=30))
    add_order(engine, tenant, stranger, now=now - timedelta(hours=5))

    floor = client.get("/api/v1/floor", headers=mint_headers(service.order_confirm, "sup"))
    assert floor.status_code == 200, floor.text
    body = floor.json()
    load = {operator["login"]: operator for operator in body["operators"]}
    assert sorted(load) == ["op1", "op2", "sup"]  # op3 is not on this team
    assert (load["op1"]["open_tasks"], load["op1"]["due_tasks"], load["op1"]["active_customers"]) == (2, 2, 2)
    assert load["op2"]["open_tasks"] == 0
    [shop] = body["tenants"]
    # The team's two tasks and the pool's one; op3's older order belongs to another team's queue.
    assert (shop["open_tasks"], shop["unassigned_customers"]) == (3, 1)
    assert shop["oldest_waiting_order_id"] == oldest.order_id
    assert [entry["customer_id"] for entry in body["pool"]] == [waiting.customer_id]

    refused = client.get("/api/v1/floor", headers=mint_headers(service.order_confirm, "op1"))
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"  # as if it did not exist
