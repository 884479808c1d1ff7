"""The whole loop: 1C → integrations → operators' queues → a decision in the console API → back into 1C."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from okno.commands.tenants import Engines, add_operator, add_tenant, set_status
from okno.embedded import Okno
from okno.sandbox.onec_trade import ORDERS, PRODUCTS, seed_orders
from services.integrations.service.erp_pull import pull_tenant
from services.order_confirm import app as order_confirm_app
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Customer, Operator, Order, Task
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec
from tests.erp.conftest import TENANT, OneC, connect_erp
from tests.order_confirm.workflow.world import mint_headers
from tests.support import wait_until

ORDER_COUNT = 150


def count_orders(okno: Okno) -> int:
    with Session(okno.order_confirm.engine) as session:
        return int(session.exec(select(func.count()).select_from(Order)).one())


def test_pulled_orders_reach_their_owners_and_the_operators_decisions_reach_the_1c_documents(
    okno: Okno, onec: OneC
) -> None:
    engines = Engines(okno.order_confirm.engine, okno.integrations.engine)
    add_tenant(engines, TenantSpec(TENANT, "Книжный", "Europe/Moscow", "RU"))
    for login in ("anna", "boris"):
        add_operator(engines, OperatorSpec(login, login.title(), Role.OPERATOR, "password-123", (TENANT,), 500))
        set_status(engines, login, OperatorStatus.AVAILABLE)  # on shift: new customers are assigned to them
    seed_orders(onec.store, ORDER_COUNT)
    connect_erp(okno.integrations, onec, page_size=50)

    pull_tenant(okno.integrations, TENANT)
    wait_until(lambda: count_orders(okno) == ORDER_COUNT, timeout=60, message=f"{ORDER_COUNT} orders")
    assert pull_tenant(okno.integrations, TENANT).sent == 0  # a second pull finds nothing new

    with Session(okno.order_confirm.engine) as session:
        customers = session.exec(select(Customer)).all()
        owners = {c.id: c.owner_id for c in customers}
        tasks = session.exec(select(Task).where(Task.status == "open")).all()
        logins = dict(session.exec(select(Operator.id, Operator.login)).all())
        assert {o.source for o in session.exec(select(Order))} == {"erp"}
    assert len(customers) < ORDER_COUNT  # repeat customers in 1C are one customer here
    assert all(owner is not None for owner in owners.values())
    assert all(task.assignee_id == owners[task.customer_id] for task in tasks)  # one customer, one window
    assert {logins[owner] for owner in owners.values()} == {"anna", "boris"}

    api = TestClient(order_confirm_app.create_app(okno.order_confirm))
    anna = mint_headers(okno.order_confirm, "anna")
    first = _claim_next(api, anna)
    document = _document(onec, first["order"]["external_id"])
    line = document["Товары"][0]
    sku = onec.store.get(PRODUCTS, line["Номенклатура_Key"])["Артикул"]
    url = f"/api/v1/orders/{first['order']['id']}"
    version = api.get(url, headers=anna).json()["version"]
    patch = {"delivery_date": "2026-12-01", "items": [{"sku": sku, "quantity": line["Количество"] + 1}]}
    assert api.patch(url, json=patch, headers={**anna, "If-Match": f'"{version}"'}).status_code == 200
    assert api.post(f"{url}/call", headers=anna).status_code == 200
    assert api.post(f"{url}/confirm", json={"comment": "домофон 12"}, headers=anna).status_code == 200
    second = _claim_next(api, anna)
    cancel = {"reason_code": "changed_mind", "comment": "купил в магазине"}
    assert api.post(f"/api/v1/orders/{second['order']['id']}/cancel", json=cancel, headers=anna).status_code == 200

    confirmed_key, cancelled_key = document["Ref_Key"], _document(onec, second["order"]["external_id"])["Ref_Key"]
    wait_until(lambda: len(onec.store.patches(confirmed_key)) == 2, timeout=60, message="change + confirm in 1C")
    wait_until(lambda: onec.store.patches(cancelled_key), timeout=60, message="the cancel in 1C")
    in_1c = onec.store.get(ORDERS, confirmed_key)
    assert (in_1c["Статус"], in_1c["ДатаОтгрузки"]) == ("КОтгрузке", "2026-12-01T00:00:00")
    assert in_1c["Товары"][0]["Количество"] == line["Количество"] + 1
    assert "домофон 12" in in_1c["Комментарий"]
    assert onec.store.get(ORDERS, cancelled_key)["Статус"] == "Закрыт"


def _claim_next(api: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    claimed = api.post("/api/v1/queue/next", headers=headers)
    assert claimed.status_code == 200, claimed.text
    body: dict[str, Any] = claimed.json()
    return body


def _document(onec: OneC, number: str) -> dict[str, Any]:
    return next(d for d in onec.store.sets[ORDERS].values() if d["Number"] == number)
