"""Pulling a tenant's pending orders from its ERP into `OrderSnapshot` messages for order_confirm.

Each page commits in one transaction: the pulled documents, their outbox messages and the advanced
cursor. A puller killed at any point therefore resumes at the last committed page: nothing is missed,
and a re-read page changes nothing (a document whose content hash is unchanged is not sent again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import structlog
from pydantic import ValidationError
from sqlalchemy import insert, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from contracts.orders import OrderEventType, OrderSnapshot
from contracts.routing import MessageType
from services.common.db import transaction
from services.common.problems import Conflict, NotFound
from services.integrations.adapters.erp import adapter_for
from services.integrations.adapters.erp.base import PulledOrder, PulledPage, PullPosition
from services.integrations.adapters.failures import RemoteFailure
from services.integrations.models.erp import ErpConnection, ErpCursor, ErpDocument
from services.integrations.runtime import IntegrationsRuntime

log = structlog.get_logger(__name__)


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
    try:
        while max_pages is None or summary.pages < max_pages:
            page = adapter.fetch_page(position, connection.page_size)
            with transaction(runtime.engine) as session:
                _apply_page(runtime, session, tenant, page, summary)
                _advance_cursor(session, tenant, position, page, summary)
            position = page.position
            summary.pages += 1
            if on_page is not None:
                on_page(summary)
            if page.exhausted:
                summary.exhausted = True
                break
    except RemoteFailure as error:
        _note_error(runtime, tenant, str(error))
        raise
    finally:
        adapter.close()
    with transaction(runtime.engine) as session:
        cursor = session.get(ErpCursor, tenant)
        if cursor is not None:
            cursor.last_finished_at, cursor.last_error = runtime.clock(), None
            session.add(cursor)
    log.info("erp.pulled", tenant=tenant, pages=summary.pages, sent=summary.sent, skipped=len(summary.skipped))
    return summary


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
    runtime: IntegrationsRuntime, session: Session, tenant: str, page: PulledPage, summary: PullSummary
) -> None:
    """Record the page's new and changed documents and queue one snapshot each (bulk: one INSERT per table)."""
    summary.skipped.extend(page.skipped)
    keys = [order.document_key for order in page.orders]
    known = {
        d.document_key: d
        for d in session.exec(
            select(ErpDocument).where(ErpDocument.tenant == tenant, col(ErpDocument.document_key).in_(keys))
        )
    }
    now = runtime.clock()
    new: list[tuple[PulledOrder, OrderSnapshot]] = []
    snapshots: list[OrderSnapshot] = []
    for order in page.orders:
        content_hash = _content_hash(order.fields)
        document = known.get(order.document_key)
        if document is not None and document.content_hash == content_hash:
            summary.unchanged += 1
            continue
        event = OrderEventType.CREATED if document is None else OrderEventType.UPDATED
        snapshot = _snapshot(order, event, content_hash)
        if isinstance(snapshot, str):
            summary.skipped.append((order.document_key, snapshot))
        elif document is None:
            new.append((order, snapshot))
        else:
            document.content_hash, document.data_version = content_hash, order.data_version
            document.item_keys, document.updated_at = order.item_keys, now
            session.add(document)
            snapshots.append(
                snapshot.model_copy(update={"external_id": document.external_id, "source_ref": _source_ref(order)})
            )
            summary.updated += 1
    snapshots.extend(_insert_new(session, tenant, new, now=now))
    summary.created += len(new)
    runtime.outbox.add_many(session, MessageType.ORDER_SNAPSHOT_RECEIVED, tenant, snapshots)


def _snapshot(order: PulledOrder, event: OrderEventType, content_hash: str) -> OrderSnapshot | str:
    """The snapshot (`external_id` and `source_ref` are settled by the caller), or why it cannot be sent."""
    if not order.fields.get("items"):
        return "в документе нет строк товаров"
    if not (order.fields.get("customer") or {}).get("phone"):
        return "у клиента не указан телефон"
    body = {**order.fields, "source": "erp", "source_ref": "-", "event": event, "content_hash": content_hash}
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
                ErpDocument.tenant == tenant, col(ErpDocument.external_id).in_(wanted)
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
    session.execute(insert(ErpDocument), rows)  # no RETURNING: a plain executemany is several times faster
    return [
        snapshot.model_copy(update={"external_id": row["external_id"], "source_ref": _source_ref(order)})
        for (order, snapshot), row in zip(new, rows, strict=True)
    ]


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
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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
