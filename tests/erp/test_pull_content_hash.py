"""A pulled document's `content_hash` is stored in `erp_documents` and compared on every later pull (an unchanged
document is not sent again), so its value for given fields is pinned here: computing it faster must not
change it, or every document read again after an upgrade would reach operators as a change."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from contracts.orders import DeliveryMethod
from services.integrations.service.erp_pages import content_hash as _content_hash


def fields(**changes: Any) -> dict[str, Any]:
    """What the 1C adapter maps a document to (`OneCODataAdapter._map_document`)."""
    document: dict[str, Any] = {
        "external_id": "ТД00-000017",
        "created_at": datetime(2026, 11, 23, 8, 0, 5, tzinfo=ZoneInfo("Europe/Moscow")),
        "customer": {"name": "Анна Смирнова", "phone": "+7 923 945-99-92", "email": None},
        "items": [
            {"sku": "SKU-00004", "name": "Товар 4", "quantity": 2, "unit_price": Decimal("1490.00")},
            {"sku": "SKU-00017", "name": 'Товар "17"', "quantity": 1, "unit_price": Decimal("99.90")},
        ],
        "delivery": {
            "method": DeliveryMethod.COURIER,
            "address": "г. Москва, ул. Пушкина, д. 16, кв. 11",
            "requested_date": date(2026, 11, 25),
        },
        "payment": {"method": "Наличная", "status": "not_paid", "amount": Decimal("3079.80"), "currency": "RUB"},
        "total": Decimal("3079.80"),
        "currency": "RUB",
        "comment": None,
    }
    document.update(changes)
    return document


@pytest.mark.parametrize(
    ("changes", "pinned"),
    [
        ({}, "25170bef0cc481cd3a2e7d2cc420b53f8486a052d73cf5fd2c543f82f1977cf6"),
        # Control characters, a backslash, a tab and non-BMP text, as a manager may type them into 1C.
        (
            {"comment": "звонить\tпосле 18:00\nдомофон \\ 12\x01 🚪"},
            "098ce6daa7b61d44a75469dc8a4f996114cafa3b667d68c93d611ab7ac8b0dc3",
        ),
        # Raw values a mapping may read from 1C's JSON as they are: a float, an integer past 64 bits.
        ({"total": 3079.8, "comment": 10**20}, "658cc5ba48fedc590b9ce3154bbca990b92ac3e87fa7d7e551ae56b3586dfc0b"),
    ],
)
def test_a_documents_content_hash_is_what_earlier_releases_stored(changes: dict[str, Any], pinned: str) -> None:
    assert _content_hash(fields(**changes)) == pinned


def test_the_order_of_keys_does_not_change_the_hash() -> None:
    document = fields()
    assert _content_hash(dict(reversed(list(document.items())))) == _content_hash(document)
