"""The routing projection: order_confirm's telephony messages applied to notify's own tables.

Each row keeps the highest `revision` it has seen. The write is one `INSERT … ON CONFLICT DO UPDATE … WHERE
stored.revision < new.revision` per message (a batch of customers in one statement), so an older or repeated
message changes nothing, and two workers applying messages for the same row at once serialize on its row
lock instead of one overwriting the other's newer revision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from contracts.telephony import (
    CoverChanged,
    CustomerRoutesChanged,
    OperatorPresenceChanged,
    TelephonySettingsChanged,
)
from services.notify.tables import NotifyModel
from services.notify.telephony import tenant_settings
from services.notify.telephony.models import (
    VoiceCover,
    VoiceCustomer,
    VoiceNumber,
    VoicePresence,
    VoiceTenant,
)

log = structlog.get_logger(__name__)


def _insert(session: Session, model: type[NotifyModel]) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model.__table__)  # type: ignore[attr-defined]


def _upsert_newer(session: Session, model: type[NotifyModel], rows: Sequence[dict[str, Any]], keys: list[str]) -> int:
    """Insert the rows, or update those whose stored revision is lower; returns how many rows changed."""
    statement = _insert(session, model).values(list(rows))
    table = model.__table__  # type: ignore[attr-defined]
    changed = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_=changed, where=table.c.revision < statement.excluded.revision
    )
    # RETURNING lists exactly the rows written (rowcount of a multi-row upsert is not reliable across drivers).
    primary = table.c[keys[0]]
    return len(session.execute(statement.returning(primary)).all())


def apply_settings(session: Session, tenant: str, payload: TelephonySettingsChanged, *, now: datetime) -> bool:
    """Keep the tenant's settings; when they are newer, its numbers map to it (and only those)."""
    row = {
        "tenant_id": tenant,
        "revision": payload.revision,
        "settings": payload.model_dump(mode="json"),
        "updated_at": now,
    }
    if not _upsert_newer(session, VoiceTenant, [row], ["tenant_id"]):
        log.info("telephony.settings_ignored", tenant=tenant, revision=payload.revision)
        return False
    tenant_settings.forget(session, tenant)
    session.execute(delete(VoiceNumber).where(col(VoiceNumber.tenant_id) == tenant))
    if payload.numbers:
        # A number another tenant held goes to this, the later claim (contracts.telephony).
        statement = _insert(session, VoiceNumber).values([{"number": n, "tenant_id": tenant} for n in payload.numbers])
        statement = statement.on_conflict_do_update(
            index_elements=["number"], set_={"tenant_id": statement.excluded.tenant_id}
        )
        session.execute(statement)
    log.info("telephony.settings_applied", tenant=tenant, revision=payload.revision, numbers=len(payload.numbers))
    return True


def apply_presence(session: Session, tenant: str, payload: OperatorPresenceChanged, *, now: datetime) -> bool:
    # last_call_ended_at is notify's own fact (not in the message): an update never touches it.
    row = {
        "tenant_id": tenant,
        "operator_id": payload.operator_id,
        "revision": payload.revision,
        "status": payload.status,
        "member": payload.member,
        "display_name": payload.display_name,
        "line": payload.line,
        "phone_number": payload.phone_number,
        "updated_at": now,
    }
    applied = _upsert_newer(session, VoicePresence, [row], ["tenant_id", "operator_id"]) > 0
    log.info(
        "telephony.presence_applied" if applied else "telephony.presence_ignored",
        tenant=tenant,
        operator_id=payload.operator_id,
        revision=payload.revision,
        status=payload.status,
    )
    return applied


def apply_cover(session: Session, tenant: str, payload: CoverChanged) -> bool:
    row = {
        "tenant_id": tenant,
        "owner_id": payload.owner_id,
        "cover_id": payload.cover_id,
        "revision": payload.revision,
    }
    applied = _upsert_newer(session, VoiceCover, [row], ["tenant_id", "owner_id"]) > 0
    log.info(
        "telephony.cover_applied" if applied else "telephony.cover_ignored",
        tenant=tenant,
        owner_id=payload.owner_id,
        revision=payload.revision,
    )
    return applied


def apply_customer_routes(session: Session, tenant: str, payload: CustomerRoutesChanged) -> int:
    """Returns how many customers changed. One statement for the whole batch (up to 1000 customers)."""
    newest: dict[int, dict[str, Any]] = {}
    for route in payload.customers:
        # PostgreSQL refuses to update one row twice in a statement: a customer listed twice keeps its newest.
        kept = newest.get(route.customer_id)
        if kept is None or kept["revision"] < route.revision:
            newest[route.customer_id] = {
                "tenant_id": tenant,
                "customer_id": route.customer_id,
                "phone": route.phone,
                "owner_id": route.owner_id,
                "revision": route.revision,
            }
    changed = _upsert_newer(session, VoiceCustomer, list(newest.values()), ["tenant_id", "customer_id"])
    log.info("telephony.customer_routes_applied", tenant=tenant, received=len(payload.customers), changed=changed)
    return changed
