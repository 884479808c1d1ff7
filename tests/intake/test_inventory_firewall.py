"""Stock levels, cost prices, warehouse and supplier data, and any unknown field never leave integrations."""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlmodel import Session, select

from services.integrations.models import InboundPayload
from services.order_confirm.domain.vocabulary import OperatorStatus
from services.order_confirm.models import metadata as order_confirm_metadata
from tests.intake.conftest import Shop, login
from tests.intake.shop import order_body, post_order

# Distinctive values: if any of them shows up anywhere in order_confirm, the firewall leaked.
SECRETS = {
    "stock_level": "STOCK-LEVEL-73911",
    "cost_price": "48213.77",
    "warehouse": "WAREHOUSE-KAZAN-SECRET-4",
    "supplier": "SUPPLIER-OOO-TAINA",
    "margin_note": "MARGIN-NOTE-8812",
    "purchase_price": "31337.01",
    "item_stock": "ITEM-STOCK-66410",
}


def test_inventory_fields_stay_in_integrations_and_never_reach_order_confirm(console: Shop) -> None:
    console.add_operator("olga", status=OperatorStatus.AVAILABLE)
    document = order_body(
        "FW-1",
        extra_order={
            "stock_level": SECRETS["stock_level"],
            "cost_price": SECRETS["cost_price"],
            "warehouse": {"code": SECRETS["warehouse"], "supplier": SECRETS["supplier"]},
            "internal": {"margin_note": SECRETS["margin_note"]},
        },
        extra_item={"purchase_price": SECRETS["purchase_price"], "stock": SECRETS["item_stock"]},
    )
    assert post_order(console.client, console.slug, document).status_code == 202
    console.wait_for_orders(1)
    with Session(console.okno.integrations.engine) as session:
        raw = session.exec(select(InboundPayload.body)).one()
    assert all(value in raw for value in SECRETS.values())  # kept raw where the ERP can reach them

    every_row = _dump_order_confirm(console)
    olga = login(console.client, "olga")
    order = console.order("FW-1")
    responses = [
        console.client.get("/api/v1/queue", headers=olga),
        console.client.get(f"/api/v1/orders/{order.id}", headers=olga),
        console.client.get(f"/api/v1/customers/{order.customer_id}", headers=olga),
    ]

    assert all(response.status_code == 200 for response in responses), [r.text for r in responses]
    assert "FW-1" in every_row and "Пуэр" in responses[1].text  # the allowed fields did arrive
    for name, value in SECRETS.items():
        assert value not in every_row, f"{name} leaked into an order_confirm table"
        assert all(value not in response.text for response in responses), f"{name} leaked into the API"
    for name in ("stock_level", "cost_price", "warehouse", "purchase_price", "margin_note"):
        assert name not in every_row


def _dump_order_confirm(console: Shop) -> str:
    """Every row of every order_confirm table (outbox, inbox and audit log included), as one text."""
    rows = []
    with console.okno.order_confirm.engine.connect() as connection:
        for table in order_confirm_metadata.sorted_tables:
            rows += [repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table.name}"'))]
    return json.dumps(rows, ensure_ascii=False)
