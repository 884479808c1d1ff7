"""The snapshot's `content_hash` is stored and compared across releases (a repeated version of an order is
no change for the operator), so its value for a given order is pinned here: computing it differently must
not change it. Equal prices written differently and one instant written in two offsets hash the same."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import pytest

from contracts.orders import ShopOrderEvent
from okno.demo import sample_order
from services.integrations.domain.firewall import to_snapshot

PINNED = "106a398891a2ee3970cb4ea65b86664b084f3c9244572a518b329a1f47a70200"


def order(**changes: Any) -> dict[str, Any]:
    document = sample_order("HASH-1", phone="+7 916 555-01-23")
    document["data"]["created_at"] = "2026-11-29T09:30:00+00:00"
    document["data"]["delivery"]["requested_date"] = "2026-12-01"
    for key, value in changes.items():
        document["data"][key] = value
    return document


def content_hash(document: dict[str, Any], source_ref: str = "17") -> str:
    event = ShopOrderEvent.model_validate(document)
    return to_snapshot(event, source="webhook", source_ref=source_ref).content_hash


def test_an_orders_content_hash_is_the_one_earlier_releases_stored() -> None:
    assert content_hash(order()) == PINNED


def test_where_it_came_from_and_which_event_carried_it_are_no_change() -> None:
    updated = order()
    updated["type"] = "order.updated"
    assert content_hash(updated, source_ref="99") == PINNED


@pytest.mark.parametrize(
    "changes",
    [
        {"total": "4990", "created_at": "2026-11-29T12:30:00+03:00"},
        {"total": "4990.000"},
    ],
)
def test_the_same_values_written_differently_hash_the_same(changes: dict[str, Any]) -> None:
    document = order(**changes)
    if "total" in changes:
        document["data"]["payment"] = {**document["data"]["payment"], "amount": changes["total"]}
    assert content_hash(document) == PINNED


def test_stock_and_cost_are_no_change() -> None:
    items = deepcopy(order()["data"]["items"])
    items[0]["stock"], items[0]["purchase_price"] = 3, "2100.00"
    assert content_hash(order(items=items)) == PINNED


def test_what_an_operator_sees_changes_the_hash() -> None:
    items = deepcopy(order()["data"]["items"])
    items[1]["quantity"] = 3
    assert content_hash(order(items=items)) != PINNED
    assert content_hash(order(comment="Позвоните за час")) != PINNED
