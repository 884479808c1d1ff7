"""An infobase shaped like "1С:Управление торговлей 11": customer orders, partners, products.

Field names and enum values follow УТ 11's `Document_ЗаказКлиента`; `ОкноКлючСообщения` is the one
attribute Okno's configuration extension adds (the idempotency marker of pushes). Warehouses, VAT rates
and purchase prices are there on purpose: they must never reach operators.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from okno.sandbox.onec import OneCStore

ORDERS = "Document_ЗаказКлиента"
PARTNERS = "Catalog_Партнеры"
PRODUCTS = "Catalog_Номенклатура"
EMPTY_DATE = "0001-01-01T00:00:00"  # 1C's "no date"
PENDING_STATUS = "НеСогласован"

_NAMES = ["Анна Смирнова", "Иван Петров", "Ольга Кузнецова", "Сергей Волков", "Мария Соколова", "Дмитрий Попов"]
_STREETS = ["ул. Ленина", "пр. Мира", "ул. Гагарина", "Садовая ул.", "ул. Пушкина", "Невский пр."]
_DELIVERY = ["ДоКлиента", "ДоКлиента", "Самовывоз", "СиламиПеревозчика"]
_PAYMENT = ["Наличная", "ПлатежнаяКарта", "Безналичная"]
_WAREHOUSE = "5b6f0c2e-0000-4000-8000-00000000a001"


def trade_store(username: str = "okno", password: str = "okno") -> OneCStore:
    store = OneCStore(username, password)
    store.references.update({"Партнер": PARTNERS, "Номенклатура": PRODUCTS})
    store.sets.update({ORDERS: {}, PARTNERS: {}, PRODUCTS: {}})
    return store


def seed_catalogs(store: OneCStore, *, partners: int = 200, products: int = 50, seed: int = 7) -> None:
    rng = random.Random(seed)
    for index in range(products):
        store.add(
            PRODUCTS,
            {
                "Ref_Key": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "Code": f"{index + 1:011d}",
                "Description": f"Товар {index + 1}",
                "Артикул": f"SKU-{index + 1:05d}",
                "ЗакупочнаяЦена": rng.randint(100, 5_000),  # inventory data: never shown to operators
                "ОстатокНаСкладе": rng.randint(0, 500),
            },
        )
    for index in range(partners):
        phone = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        store.add(
            PARTNERS,
            {
                "Ref_Key": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "Code": f"П-{index + 1:06d}",
                "Description": rng.choice(_NAMES),
                "КонтактнаяИнформация": [
                    {"LineNumber": "1", "Тип": "Телефон", "Представление": phone},
                    {"LineNumber": "2", "Тип": "АдресЭлектроннойПочты", "Представление": f"client{index}@example.ru"},
                ],
            },
        )


def seed_orders(
    store: OneCStore, count: int, *, start: datetime = datetime(2026, 11, 23, 8, 0), seed: int = 11
) -> list[str]:
    """`count` orders waiting for confirmation, three per second (equal `Date`s exercise the cursor's tie-break)."""
    offset = len(store.sets[ORDERS])
    rng = random.Random(seed * 1_000_003 + offset)  # a second batch gets new keys, reproducibly
    partners = list(store.sets[PARTNERS].values())
    products = list(store.sets[PRODUCTS].values())
    keys = []
    for index in range(count):
        lines = _order_lines(rng, products)
        number = offset + index + 1
        moment = start + timedelta(seconds=(offset + index) // 3)
        shipping = moment.date() + timedelta(days=rng.randint(1, 4)) if rng.random() < 0.7 else None
        address = f"г. Москва, {rng.choice(_STREETS)}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}"
        order = store.add(
            ORDERS,
            {
                "Ref_Key": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "Number": f"ТД00-{number:06d}",
                "Date": moment.isoformat(timespec="seconds"),
                "Posted": True,
                "Статус": PENDING_STATUS,
                "Согласован": False,
                "Партнер_Key": rng.choice(partners)["Ref_Key"],
                "Склад_Key": _WAREHOUSE,
                "СпособДоставки": rng.choice(_DELIVERY),
                "АдресДоставки": address,
                "ДатаОтгрузки": f"{shipping.isoformat()}T00:00:00" if shipping else EMPTY_DATE,
                "ФормаОплаты": rng.choice(_PAYMENT),
                "СуммаДокумента": sum(line["Сумма"] for line in lines),
                "Комментарий": "",
                "ОкноКлючСообщения": "",
                "Товары": lines,
            },
        )
        keys.append(order["Ref_Key"])
    return keys


def _order_lines(rng: random.Random, products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lines = []
    for line_number, product in enumerate(rng.sample(products, rng.randint(1, 3)), start=1):
        quantity, price = rng.randint(1, 4), rng.randint(300, 9_000)
        lines.append(
            {
                "LineNumber": str(line_number),
                "Номенклатура_Key": product["Ref_Key"],
                "Количество": quantity,
                "Цена": price,
                "Сумма": quantity * price,
                "СтавкаНДС": "НДС20",
                "Склад_Key": _WAREHOUSE,
            }
        )
    return lines


def trade_infobase(orders: int = 0, *, partners: int = 200, products: int = 50) -> OneCStore:
    store = trade_store()
    seed_catalogs(store, partners=partners, products=products)
    if orders:
        seed_orders(store, orders)
    return store


def main() -> None:
    """`python -m okno.sandbox.onec_trade --orders 1000 --port 8870`: a standalone local 1C (benchmarks, demos)."""
    import argparse
    import threading

    from okno.sandbox.onec import serve

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--orders", type=int, default=1_000)
    parser.add_argument("--port", type=int, default=8870)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    args = parser.parse_args()
    store = trade_infobase(args.orders)
    store.faults.latency_seconds = args.latency
    with serve(store, port=args.port) as url:
        print(f"local 1C with {args.orders} pending orders at {url} (user okno, password okno)", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
