"""Per-tenant mapping of a 1C configuration's OData names onto `OrderSnapshot` and back.

Every 1C configuration names things differently, so nothing here is hard-wired into the adapter; the
defaults are the ready mapping for "1С:Управление торговлей 11" (`Document_ЗаказКлиента`).

Paths: `Поле`, `Поле/Вложенное`, and `ТабличнаяЧасть[Поле=Значение]/Поле` (first row whose `Поле` equals
`Значение`) — enough to read a phone out of a partner's `КонтактнаяИнформация`.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.orders import DeliveryMethod

UT11_DELIVERY_METHODS = {
    "Самовывоз": DeliveryMethod.PICKUP,
    "ДоКлиента": DeliveryMethod.COURIER,
    "СиламиПеревозчика": DeliveryMethod.COURIER,
    "СиламиПеревозчикаПоАдресу": DeliveryMethod.COURIER,
}


class OneCMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # --- what to pull
    document_set: str = "Document_ЗаказКлиента"
    pending_filter: str = "Статус eq 'НеСогласован' and Posted eq true and DeletionMark eq false"
    position_field: str = "Date"  # ordering of the pull; the cursor keeps the last value taken
    external_id: str = "Number"
    created_at: str = "Date"
    timezone: str = "Europe/Moscow"  # 1C dates carry no offset: they are the infobase's local time
    # --- references resolved in batches (`<ref>_Key` on the document -> entity set)
    customer_ref: str = "Партнер"
    customer_set: str = "Catalog_Партнеры"
    customer_name: str = "Description"
    customer_phone: str = "КонтактнаяИнформация[Тип=Телефон]/Представление"
    customer_email: str | None = "КонтактнаяИнформация[Тип=АдресЭлектроннойПочты]/Представление"
    items_table: str = "Товары"
    item_product_ref: str = "Номенклатура"
    product_set: str = "Catalog_Номенклатура"
    product_sku: str = "Артикул"
    product_name: str = "Description"
    item_quantity: str = "Количество"
    item_price: str = "Цена"
    item_amount: str | None = "Сумма"
    # --- order fields
    delivery_method: str = "СпособДоставки"
    delivery_methods: dict[str, DeliveryMethod] = Field(default_factory=lambda: dict(UT11_DELIVERY_METHODS))
    default_delivery_method: DeliveryMethod = DeliveryMethod.COURIER
    delivery_address: str = "АдресДоставки"
    delivery_date: str | None = "ДатаОтгрузки"
    payment_method: str = "ФормаОплаты"
    payment_status: str | None = None  # УТ 11 keeps payment state in registers, not on the order
    default_payment_status: str = "not_paid"
    total: str = "СуммаДокумента"
    currency: str = "RUB"
    comment: str | None = None  # УТ's `Комментарий` is the managers' note, written back below
    # --- what to write back
    outcome_fields: dict[str, dict[str, Any]] = Field(
        default_factory=lambda: {
            "order.confirmed": {"Статус": "КОтгрузке", "Согласован": True},
            "order.changed": {},
            "order.cancelled": {"Статус": "Закрыт", "Согласован": False},
            "order.unreachable": {},
            "payment.succeeded": {},
            "survey.completed": {},  # the ratings go into the operator note only
        }
    )
    operator_note_field: str | None = "Комментарий"  # appended, never overwritten
    # Added to the document by Okno's configuration extension; a push whose message id is already there
    # was applied before (a retry after a lost answer), so it is not applied again.
    idempotency_field: str = "ОкноКлючСообщения"


def read_path(entity: dict[str, Any] | None, path: str | None) -> Any:
    if entity is None or not path:
        return None
    steps = _steps(path)
    if len(steps) == 1 and steps[0][1] is None:  # a plain property, most paths: a dozen per document
        return entity.get(steps[0][0]) if isinstance(entity, dict) else None
    value: Any = entity
    for name, field, expected in steps:
        if value is None:
            return None
        value = value.get(name) if isinstance(value, dict) else None
        if field is not None:
            rows = value if isinstance(value, list) else []
            value = next((row for row in rows if str(row.get(field)) == expected), None)
    return value


@functools.cache
def _steps(path: str) -> tuple[tuple[str, str | None, str], ...]:
    """A path parsed once (a pull reads a dozen paths per document): (name, condition field, expected value)."""
    steps = []
    for part in path.split("/"):
        name, _, condition = part.partition("[")
        field, _, expected = condition.rstrip("]").partition("=")
        steps.append((name, field if condition else None, expected))
    return tuple(steps)


def top_level_names(*paths: str | None) -> set[str]:
    """The entity properties a set of paths reads (for `$select`)."""
    return {path.split("/")[0].split("[")[0] for path in paths if path}
