"""Pulling a tenant's pending orders from its ERP into `OrderSnapshot` messages for order_confirm.

Each page commits in one transaction: the pulled documents, their outbox messages and the advanced
cursor. A puller killed at any point therefore resumes at the last committed page: nothing is missed,
and a re-read page changes nothing (a document whose content hash is unchanged is not sent again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
import structlog
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import insert, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from contracts.orders import OrderEventType, OrderSnapshot
from contracts.routing import MessageType
from services.common.bulk import copy_rows, is_one_of, supports_copy
from services.common.db import transaction
from services.common.messaging.outbox import HeldRow, Outbox
from services.common.problems import Conflict, NotFound
from services.integrations.adapters.erp.base import ErpAdapter, PulledOrder, PulledPage, PullPosition
from services.integrations.adapters.erp.providers import adapter_for
from services.integrations.adapters.failures import RemoteFailure
from services.integrations.models.erp import ErpConnection, ErpCursor, ErpDocument
from services.integrations.runtime import IntegrationsRuntime

log = structlog.get_logger(__name__)
_DOCUMENT_COLUMNS = (
    "tenant",
    "document_key",
    "external_id",
    "data_version",
    "content_hash",
    "item_keys",
    "pulled_at",
    "updated_at",
)
_SNAPSHOT_LIST = TypeAdapter(list[OrderSnapshot])
# Dates, times and dataclasses through `default=str` as the standard library's encoder sent them (orjson would
# write its own ISO forms); enums by value and floats in shortest form, as both write them.
_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class ErpNotConfigured(NotFound):
    code, title = "erp_not_configured", "This tenant has no ERP connection"


class PullRaced(Conflict):
    code, title = "pull_in_progress", "Another pull of this tenant moved the cursor"


@dataclass
class PullSummary:
    tenant: str
    pages: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    pulled_total: int = 0  # documents taken for this tenant since the first pull
    exhausted: bool = False

    @property
    def sent(self) -> int:
        return self.created + self.updated


PageListener = Callable[[PullSummary], None]


def pull_tenant(
    runtime: IntegrationsRuntime,
    tenant: str,
    *,
    max_pages: int | None = None,
    on_page: PageListener | None = None,
) -> PullSummary:
    """Pull until the ERP has nothing more pending (or `max_pages`); one transaction per page."""
    connection, position, summary = _start(runtime, tenant)
    adapter = adapter_for(connection, timeout_seconds=runtime.settings.erp_timeout_seconds)
    pages = _prefetched_pages(adapter, position, connection.page_size, max_pages)
    relay = _PageRelay(runtime.outbox)
    try:
        for checked in pages:
            page = checked.page
            with transaction(runtime.engine) as session:
                # The cursor first: a concurrent pull waits on its row and then finds it moved (PullRaced)
                # instead of colliding with this page's documents.
                _advance_cursor(session, tenant, position, page, summary)
                held = _apply_page(runtime, session, tenant, checked, summary)
            relay.hand(held)
            position = page.position
            summary.pages += 1
            if on_page is not None:
                on_page(summary)
            if page.exhausted:
                summary.exhausted = True
    except RemoteFailure as error:
        _note_error(runtime, tenant, str(error))
        raise
    finally:
        pages.close()  # waits for a read-ahead still talking to the ERP before its client closes
        adapter.close()
        relay.close()
    with transaction(runtime.engine) as session:
        cursor = session.get(ErpCursor, tenant)
        if cursor is not None:
            cursor.last_finished_at, cursor.last_error = runtime.clock(), None
            session.add(cursor)
    log.info("erp.pulled", tenant=tenant, pages=summary.pages, sent=summary.sent, skipped=len(summary.skipped))
    return summary


class _PageRelay:
    """Publishes each committed page from a thread of its own while the pull writes the next one.

    At most one page waits for the broker (memory stays one page deep whatever Redis does); pages go out in
    the order they committed. A pull killed with a page not yet published leaves it to the outbox sweep."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="okno-erp-relay")
        self._last: Future[None] | None = None

    def hand(self, held: list[HeldRow]) -> None:
        self.wait()
        self._last = self._thread.submit(self._outbox.relay, held)

    def wait(self) -> None:
        last, self._last = self._last, None
        if last is not None:
            last.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._thread.shutdown()


@dataclass(frozen=True)
class _CheckedPage:
    """A page with what needs no database worked out: each order's content hash and its snapshot as a new
    order (`_apply_page` turns it into an update where the document is known), or why it cannot be sent."""

    page: PulledPage
    orders: list[tuple[PulledOrder, str, OrderSnapshot | str]]


def _fetch_checked(adapter: ErpAdapter, position: PullPosition, page_size: int) -> _CheckedPage:
    page = adapter.fetch_page(position, page_size)
    hashes = [_content_hash(order.fields) for order in page.orders]
    snapshots = _snapshots(page.orders, hashes)
    return _CheckedPage(page, list(zip(page.orders, hashes, snapshots, strict=True)))


def _prefetched_pages(
    adapter: ErpAdapter, position: PullPosition, page_size: int, max_pages: int | None
) -> Generator[_CheckedPage, None, None]:
    """The ERP's pages in order, the next one fetched, mapped and validated while the caller writes this one
    (the caller mostly waits for the database meanwhile, so the CPU work costs it next to nothing).

    The next page's position follows from the page itself, not from what was committed, so reading ahead
    changes nothing the cursor guarantees: a page is still applied only if the cursor is where it started
    (`_advance_cursor`), and a read-ahead page whose predecessor failed is dropped with the pull. One thread
    does all the fetching, so the adapter (its HTTP client and catalog cache) is never used concurrently."""
    if max_pages is not None and max_pages <= 0:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="okno-erp-read-ahead") as ahead:
        upcoming: Future[_CheckedPage] | None = ahead.submit(_fetch_checked, adapter, position, page_size)
        fetched = 1
        while upcoming is not None:
            checked = upcoming.result()
            upcoming, page = None, checked.page
            if not page.exhausted and (max_pages is None or fetched < max_pages):
                upcoming, fetched = ahead.submit(_fetch_checked, adapter, page.position, page_size), fetched + 1
            try:
                yield checked
            except GeneratorExit:
                if upcoming is not None:
                    upcoming.cancel()
                raise


def _start(runtime: IntegrationsRuntime, tenant: str) -> tuple[ErpConnection, PullPosition, PullSummary]:
    with transaction(runtime.engine) as session:
        connection = session.exec(select(ErpConnection).where(ErpConnection.tenant == tenant)).first()
        if connection is None or not connection.enabled:
            raise ErpNotConfigured(f"Tenant {tenant!r} has no enabled ERP connection.")
        cursor = session.get(ErpCursor, tenant) or ErpCursor(tenant=tenant)
        cursor.last_started_at = runtime.clock()
        session.add(cursor)
        position = PullPosition(cursor.position, tuple(cursor.keys_at_position))
        return connection, position, PullSummary(tenant, pulled_total=cursor.pulled_total)


def _apply_page(
    runtime: IntegrationsRuntime, session: Session, tenant: str, checked: _CheckedPage, summary: PullSummary
) -> list[HeldRow]:
    """Record the page's new and changed documents and queue one snapshot each (bulk: one INSERT per table);
    returns the outbox rows to relay once the page has committed."""
    summary.skipped.extend(checked.page.skipped)
    keys = [order.document_key for order in checked.page.orders]
    known = {
        d.document_key: d
        for d in session.exec(
            select(ErpDocument).where(
                ErpDocument.tenant == tenant, is_one_of(session, col(ErpDocument.document_key), keys)
            )
        )
    }
    now = runtime.clock()
    new: list[tuple[PulledOrder, OrderSnapshot]] = []
    snapshots: list[OrderSnapshot] = []
    for order, content_hash, snapshot in checked.orders:
        document = known.get(order.document_key)
        if document is not None and document.content_hash == content_hash:
            summary.unchanged += 1
            continue
        if isinstance(snapshot, str):
            summary.skipped.append((order.document_key, snapshot))
        elif document is None:
            new.append((order, snapshot))
        else:
            document.content_hash, document.data_version = content_hash, order.data_version
            document.item_keys, document.updated_at = order.item_keys, now
            session.add(document)
            settled = {"event": OrderEventType.UPDATED, "external_id": document.external_id}
            snapshots.append(snapshot.model_copy(update=settled))
            summary.updated += 1
    snapshots.extend(_insert_new(session, tenant, new, now=now))
    summary.created += len(new)
    return runtime.outbox.write_many(session, MessageType.ORDER_SNAPSHOT_RECEIVED, tenant, snapshots)


def _snapshots(orders: list[PulledOrder], hashes: list[str]) -> list[OrderSnapshot | str]:
    """Each order's snapshot as a new order (its `external_id` is settled by the caller), or why it cannot be
    sent. The page is validated as one list (a third less CPU than order by order); only a page with a
    malformed document is validated again order by order, to say which one and why."""
    bodies: list[dict[str, Any] | str] = [
        _snapshot_body(order, content_hash) for order, content_hash in zip(orders, hashes, strict=True)
    ]
    valid = [body for body in bodies if not isinstance(body, str)]
    try:
        validated = iter(_SNAPSHOT_LIST.validate_python(valid))
    except ValidationError:
        return [body if isinstance(body, str) else _validated(body) for body in bodies]
    return [body if isinstance(body, str) else next(validated) for body in bodies]


def _snapshot_body(order: PulledOrder, content_hash: str) -> dict[str, Any] | str:
    if not order.fields.get("items"):
        return "в документе нет строк товаров"
    if not (order.fields.get("customer") or {}).get("phone"):
        return "у клиента не указан телефон"
    return {
        **order.fields,
        "source": "erp",
        "source_ref": _source_ref(order),
        "event": OrderEventType.CREATED,
        "content_hash": content_hash,
    }


def _validated(body: dict[str, Any]) -> OrderSnapshot | str:
    try:
        return OrderSnapshot.model_validate(body)
    except ValidationError as error:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())


def _insert_new(
    session: Session, tenant: str, new: list[tuple[PulledOrder, OrderSnapshot]], *, now: datetime
) -> list[OrderSnapshot]:
    if not new:
        return []
    wanted = [snapshot.external_id for _, snapshot in new]
    taken = set(
        session.exec(
            select(ErpDocument.external_id).where(
                ErpDocument.tenant == tenant, is_one_of(session, col(ErpDocument.external_id), wanted)
            )
        )
    )
    rows = [
        {
            "tenant": tenant,
            "document_key": order.document_key,
            "external_id": _unique_external_id(snapshot.external_id, order.document_key, taken),
            "data_version": order.data_version,
            "content_hash": snapshot.content_hash,
            "item_keys": order.item_keys,
            "pulled_at": now,
            "updated_at": now,
        }
        for order, snapshot in new
    ]
    _write_documents(session, rows)
    return [
        snapshot
        if snapshot.external_id == row["external_id"]
        else snapshot.model_copy(update={"external_id": row["external_id"]})
        for (_, snapshot), row in zip(new, rows, strict=True)
    ]


def _write_documents(session: Session, rows: list[dict[str, Any]]) -> None:
    if not supports_copy(session):
        session.execute(insert(ErpDocument), rows)  # no RETURNING: a plain executemany is several times faster
        return
    values = (
        tuple(json.dumps(row[name]) if name == "item_keys" else row[name] for name in _DOCUMENT_COLUMNS) for row in rows
    )
    copy_rows(session, ErpDocument, _DOCUMENT_COLUMNS, values)


def _source_ref(order: PulledOrder) -> str:
    """Traces an order back to its ERP document (`erp_documents` is unique on tenant + document key)."""
    return f"erp:{order.document_key}"


def _unique_external_id(external_id: str, document_key: str, taken: set[str]) -> str:
    # 1C restarts numbering every year; a reused number gets the document key's prefix to stay unique.
    if external_id in taken:
        external_id = f"{external_id}/{document_key[:8]}"
    taken.add(external_id)
    return external_id


def _content_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of the fields' canonical JSON: sorted keys, no spaces, UTF-8, dates and amounts as `str` gives
    them. orjson writes exactly that ~4 × faster than the standard library (tests/erp/test_pull_content_hash.py
    pins the values); what it refuses (an integer past 64 bits) goes the standard library's way."""
    try:
        canonical = orjson.dumps(fields, default=str, option=_CANONICAL)
    except orjson.JSONEncodeError:
        canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()


def _advance_cursor(session: Session, tenant: str, start: PullPosition, page: PulledPage, summary: PullSummary) -> None:
    """Move the cursor only from where this pull found it: a concurrent pull makes this page roll back."""
    taken = len(page.orders) + len(page.skipped)
    result = session.execute(
        update(ErpCursor)
        .where(
            col(ErpCursor.tenant) == tenant,
            col(ErpCursor.position).is_(None) if start.value is None else col(ErpCursor.position) == start.value,
        )
        .values(
            position=page.position.value,
            keys_at_position=list(page.position.keys_at_value),
            pulled_total=col(ErpCursor.pulled_total) + taken,
        )
    )
    if not cast(CursorResult[Any], result).rowcount:
        raise PullRaced(f"Another pull of {tenant!r} advanced the cursor; this page was not applied.")
    summary.pulled_total += taken


def _note_error(runtime: IntegrationsRuntime, tenant: str, error: str) -> None:
    with transaction(runtime.engine) as session:
        cursor = session.get(ErpCursor, tenant)
        if cursor is not None:
            cursor.last_error = error[:4000]
            session.add(cursor)
