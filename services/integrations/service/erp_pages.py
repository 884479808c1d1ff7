"""An ERP page made ready to write, with nothing that needs the database: each order's content hash, its
snapshot as a new order in JSON (validated), or why it cannot be sent.

What this module gives is plain strings and tuples, so a page can cross to another process cheaply: a long
pull prepares its pages in a process of its own (`erp_read_ahead`) while this one writes them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from pydantic import TypeAdapter, ValidationError

from contracts.orders import OrderEventType, OrderSnapshot
from services.integrations.adapters.erp.base import ErpAdapter, PulledOrder, PullPosition

_SNAPSHOT_LIST = TypeAdapter(list[OrderSnapshot])
# Dates, times and dataclasses through `default=str` as the standard library's encoder sent them (orjson would
# write its own ISO forms); enums by value and floats in shortest form, as both write them.
_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class CheckedOrder(NamedTuple):
    document_key: str
    data_version: str | None
    item_keys: str  # JSON: sku -> the ERP's product reference
    content_hash: str
    external_id: str  # the ERP's number as the snapshot has it ("" when refused)
    snapshot: str  # the snapshot as a new order, `model_dump_json` ("" when refused)
    refusal: str | None  # why the order cannot be sent; None when it can

    def snapshot_as(self, *, external_id: str, event: OrderEventType) -> str:
        """The snapshot JSON under another external id or event (a reused number, a changed document)."""
        snapshot = OrderSnapshot.model_validate_json(self.snapshot)
        return snapshot.model_copy(update={"external_id": external_id, "event": event}).model_dump_json()


@dataclass(frozen=True)
class CheckedPage:
    orders: list[CheckedOrder]
    position: PullPosition
    exhausted: bool  # no more documents after this page right now
    skipped: list[tuple[str, str]]  # (document key, why) documents the adapter could not map

    @property
    def taken(self) -> int:
        """Documents this page moves the cursor past."""
        return len(self.orders) + len(self.skipped)


def checked_page(adapter: ErpAdapter, position: PullPosition, page_size: int) -> CheckedPage:
    page = adapter.fetch_page(position, page_size)
    hashes = [content_hash(order.fields) for order in page.orders]
    orders = [
        _checked(order, digest, snapshot)
        for order, digest, snapshot in zip(page.orders, hashes, _snapshots(page.orders, hashes), strict=True)
    ]
    return CheckedPage(orders, page.position, page.exhausted, list(page.skipped))


def _checked(order: PulledOrder, digest: str, snapshot: OrderSnapshot | str) -> CheckedOrder:
    item_keys = orjson.dumps(order.item_keys).decode()
    if isinstance(snapshot, str):
        return CheckedOrder(order.document_key, order.data_version, item_keys, digest, "", "", snapshot)
    return CheckedOrder(
        order.document_key,
        order.data_version,
        item_keys,
        digest,
        snapshot.external_id,
        snapshot.model_dump_json(),
        None,
    )


def _snapshots(orders: list[PulledOrder], hashes: list[str]) -> list[OrderSnapshot | str]:
    """Each order's snapshot as a new order (its `external_id` is settled by the writer), or why it cannot be
    sent. The page is validated as one list (a third less CPU than order by order); only a page with a
    malformed document is validated again order by order, to say which one and why."""
    bodies: list[dict[str, Any] | str] = [
        _snapshot_body(order, digest) for order, digest in zip(orders, hashes, strict=True)
    ]
    valid = [body for body in bodies if not isinstance(body, str)]
    try:
        validated = iter(_SNAPSHOT_LIST.validate_python(valid))
    except ValidationError:
        return [body if isinstance(body, str) else _validated(body) for body in bodies]
    return [body if isinstance(body, str) else next(validated) for body in bodies]


def _snapshot_body(order: PulledOrder, digest: str) -> dict[str, Any] | str:
    if not order.fields.get("items"):
        return "в документе нет строк товаров"
    if not (order.fields.get("customer") or {}).get("phone"):
        return "у клиента не указан телефон"
    return {
        **order.fields,
        "source": "erp",
        "source_ref": source_ref(order.document_key),
        "event": OrderEventType.CREATED,
        "content_hash": digest,
    }


def _validated(body: dict[str, Any]) -> OrderSnapshot | str:
    try:
        return OrderSnapshot.model_validate(body)
    except ValidationError as error:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())


def source_ref(document_key: str) -> str:
    """Traces an order back to its ERP document (`erp_documents` is unique on tenant + document key)."""
    return f"erp:{document_key}"


def content_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of the fields' canonical JSON: sorted keys, no spaces, UTF-8, dates and amounts as `str` gives
    them. orjson writes exactly that ~4 × faster than the standard library (tests/erp/test_pull_content_hash.py
    pins the values); what it refuses (an integer past 64 bits) goes the standard library's way."""
    try:
        canonical = orjson.dumps(fields, default=str, option=_CANONICAL)
    except orjson.JSONEncodeError:
        canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()
