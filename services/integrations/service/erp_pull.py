"""Pulling a tenant's pending orders from its ERP into `OrderSnapshot` messages for order_confirm.

Each page commits in one transaction: the pulled documents, their outbox messages and the advanced
cursor. A puller killed at any point therefore resumes at the last committed page: nothing is missed,
and a re-read page changes nothing (a document whose content hash is unchanged is not sent again).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
import structlog
from sqlalchemy import insert, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from contracts.orders import OrderEventType
from contracts.routing import MessageType
from services.common.bulk import copy_rows, is_one_of, supports_copy
from services.common.db import transaction
from services.common.messaging.outbox import HeldRow, Outbox
from services.common.problems import Conflict, NotFound
from services.integrations.adapters.erp.base import PullPosition
from services.integrations.adapters.failures import RemoteFailure
from services.integrations.models.erp import ErpConnection, ErpCursor, ErpDocument
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.erp_pages import CheckedOrder, CheckedPage
from services.integrations.service.erp_read_ahead import ErpSource, ReadAheadLost, prefetched_pages

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
    source = ErpSource(
        connection.kind,
        connection.base_url,
        connection.username,
        connection.password,
        connection.mapping,
        runtime.settings.erp_timeout_seconds,
    )
    own_process = runtime.settings.erp_read_ahead_process
    pages = prefetched_pages(source, position, connection.page_size, max_pages, own_process=own_process)
    relay = _PageRelay(runtime.outbox)
    try:
        for page in pages:
            with transaction(runtime.engine) as session:
                # The cursor first: a concurrent pull waits on its row and then finds it moved (PullRaced)
                # instead of colliding with this page's documents.
                _advance_cursor(session, tenant, position, page, summary)
                held = _apply_page(runtime, session, tenant, page, summary)
            relay.hand(held)
            position = page.position
            summary.pages += 1
            if on_page is not None:
                on_page(summary)
            if page.exhausted:
                summary.exhausted = True
    except (RemoteFailure, ReadAheadLost) as error:  # the cursor's page shows why the last pull stopped
        _note_error(runtime, tenant, str(error))
        raise
    finally:
        pages.close()  # waits for a read-ahead still talking to the ERP before its client closes
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
    runtime: IntegrationsRuntime, session: Session, tenant: str, page: CheckedPage, summary: PullSummary
) -> list[HeldRow]:
    """Record the page's new and changed documents and queue one snapshot each (bulk: one write per table);
    returns the outbox rows to relay once the page has committed."""
    summary.skipped.extend(page.skipped)
    keys = [order.document_key for order in page.orders]
    known = {
        d.document_key: d
        for d in session.exec(
            select(ErpDocument).where(
                ErpDocument.tenant == tenant, is_one_of(session, col(ErpDocument.document_key), keys)
            )
        )
    }
    now = runtime.clock()
    new: list[CheckedOrder] = []
    snapshots: list[str] = []
    for order in page.orders:
        document = known.get(order.document_key)
        if document is not None and document.content_hash == order.content_hash:
            summary.unchanged += 1
            continue
        if order.refusal is not None:
            summary.skipped.append((order.document_key, order.refusal))
        elif document is None:
            new.append(order)
        else:
            document.content_hash, document.data_version = order.content_hash, order.data_version
            document.item_keys, document.updated_at = orjson.loads(order.item_keys), now
            session.add(document)
            snapshots.append(order.snapshot_as(external_id=document.external_id, event=OrderEventType.UPDATED))
            summary.updated += 1
    snapshots.extend(_insert_new(session, tenant, new, now=now))
    summary.created += len(new)
    return runtime.outbox.write_many_json(session, MessageType.ORDER_SNAPSHOT_RECEIVED, tenant, snapshots)


def _insert_new(session: Session, tenant: str, new: list[CheckedOrder], *, now: datetime) -> list[str]:
    """Each new order's document row; returns their snapshots' JSON, a reused number made unique."""
    if not new:
        return []
    wanted = [order.external_id for order in new]
    taken = set(
        session.exec(
            select(ErpDocument.external_id).where(
                ErpDocument.tenant == tenant, is_one_of(session, col(ErpDocument.external_id), wanted)
            )
        )
    )
    external_ids = [_unique_external_id(order.external_id, order.document_key, taken) for order in new]
    _write_documents(session, tenant, new, external_ids, now)
    return [
        order.snapshot
        if order.external_id == external_id
        else order.snapshot_as(external_id=external_id, event=OrderEventType.CREATED)
        for order, external_id in zip(new, external_ids, strict=True)
    ]


def _write_documents(
    session: Session, tenant: str, new: list[CheckedOrder], external_ids: list[str], now: datetime
) -> None:
    rows = [
        (tenant, order.document_key, external_id, order.data_version, order.content_hash, order.item_keys, now, now)
        for order, external_id in zip(new, external_ids, strict=True)
    ]
    if supports_copy(session):  # item_keys already JSON, as COPY reads a jsonb column
        copy_rows(session, ErpDocument, _DOCUMENT_COLUMNS, rows)
        return
    values = [dict(zip(_DOCUMENT_COLUMNS, row, strict=True)) | {"item_keys": orjson.loads(row[5])} for row in rows]
    session.execute(insert(ErpDocument), values)  # no RETURNING: a plain executemany is several times faster


def _unique_external_id(external_id: str, document_key: str, taken: set[str]) -> str:
    # 1C restarts numbering every year; a reused number gets the document key's prefix to stay unique.
    if external_id in taken:
        external_id = f"{external_id}/{document_key[:8]}"
    taken.add(external_id)
    return external_id


def _advance_cursor(
    session: Session, tenant: str, start: PullPosition, page: CheckedPage, summary: PullSummary
) -> None:
    """Move the cursor only from where this pull found it: a concurrent pull makes this page roll back."""
    taken = page.taken
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
