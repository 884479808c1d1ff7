"""A tenant's telephony settings: the shop's numbers, routing waits, recording, service-level target.

Admins change them (API or `okno telephony settings`); every change is validated as a whole, audited
(before -> after) and reaches notify as `telephony_settings.changed` through the projection hook. The
first settings a tenant gets also send its whole routing projection (owners, presence, cover).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import phonenumbers
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints
from sqlmodel import Session, col, select

from services.common.problems import Conflict, NotFound, Unprocessable
from services.order_confirm.models import Operator, TelephonySettings, Tenant
from services.order_confirm.service import audit

NumberText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32)]


class NumberTaken(Conflict):
    code, title = "telephony_number_taken", "The number is already one of another shop's numbers"


class SettingsDocument(BaseModel):
    """The whole set, as `PUT /api/v1/admin/tenants/{id}/telephony` takes it (bounds as notify's contract)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    enabled: bool = Field(True, description="Off: outbound calls are refused and inbound callers hear 'closed'")
    numbers: list[NumberText] = Field(
        default_factory=list,
        max_length=20,
        description="The shop's Twilio numbers (E.164, or national in the shop's country); the first is the caller ID",
    )
    owner_wait_seconds: int = Field(
        15, ge=0, le=300, description="A known customer's call waits this long for the owner"
    )
    cover_wait_seconds: int = Field(15, ge=0, le=300, description="…then this long for the owner's cover")
    ring_seconds: int = Field(20, ge=5, le=120, description="An offer to any other operator rings this long")
    recording: bool = Field(False, description="Record calls (from the answer, both sides)")
    announcement: bool = Field(True, description="With recording: tell the customer before connecting")
    announcement_text: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = Field(
        None, description="The notice's words; null = the built-in one in the shop's language"
    )
    retention_days: int = Field(90, ge=1, le=3650, description="Recordings are deleted (at Twilio too) after this")
    service_level_seconds: int = Field(20, ge=1, le=600, description="Answered within this = in service level")
    service_level_target_percent: int = Field(80, ge=1, le=100, description="The share the shop expects")
    short_abandon_seconds: int = Field(5, ge=0, le=60, description="Callers hanging up this quick are counted apart")
    callback_offer: bool = Field(True, description="While queued: 'press 1 to be called back'")
    max_queue_seconds: int = Field(600, ge=30, le=3600, description="Then the caller is promised a callback")
    hold_music_url: AnyHttpUrl | None = Field(None, description="null = Twilio's default hold music")


class TelephonySettingsView(SettingsDocument):
    tenant_id: int
    configured: bool = Field(description="false: never set (the defaults shown); the tenant has no telephony")
    revision: int | None = None
    updated_at: datetime | None = None


def _admin_tenant(session: Session, admin_tenants: frozenset[int], tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id) if tenant_id in admin_tenants else None
    if tenant is None:
        raise NotFound(f"No tenant {tenant_id}.")
    return tenant


def current(session: Session, tenant_id: int) -> TelephonySettings | None:
    return session.get(TelephonySettings, tenant_id)


def view_of(tenant_id: int, row: TelephonySettings | None) -> TelephonySettingsView:
    if row is None:
        return TelephonySettingsView(tenant_id=tenant_id, configured=False, enabled=False)
    document = {name: getattr(row, name) for name in SettingsDocument.model_fields}
    return TelephonySettingsView(
        tenant_id=tenant_id, configured=True, revision=row.revision, updated_at=row.updated_at, **document
    )


def read(session: Session, admin_tenants: frozenset[int], tenant_id: int) -> TelephonySettingsView:
    _admin_tenant(session, admin_tenants, tenant_id)
    return view_of(tenant_id, current(session, tenant_id))


def normalized_numbers(numbers: list[str], country: str) -> list[str]:
    """E.164 of each number (parsed in the shop's country), every bad one reported at its position."""
    result, errors = [], []
    for index, text in enumerate(numbers):
        try:
            parsed = phonenumbers.parse(text, country)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            errors.append({"field": f"numbers.{index}", "message": f"{text!r} is not a valid phone number"})
            continue
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if e164 in result:
            errors.append({"field": f"numbers.{index}", "message": f"{e164} is listed twice"})
        result.append(e164)
    if errors:
        raise Unprocessable("Some numbers are not valid; see `errors`.", errors=errors)
    return result


def _check(session: Session, tenant: Tenant, document: SettingsDocument, numbers: list[str]) -> None:
    if document.enabled and not numbers:
        raise Unprocessable(
            "Telephony needs at least one number of the shop (its caller ID) to be switched on.",
            errors=[{"field": "numbers", "message": "Add the shop's Twilio number, or set enabled to false."}],
        )
    others = session.exec(select(TelephonySettings).where(col(TelephonySettings.tenant_id) != tenant.id))
    taken = sorted({number for row in others for number in row.numbers} & set(numbers))
    if taken:
        raise NumberTaken(f"{', '.join(taken)} already belongs to another shop; a number routes calls to one shop.")


def update(
    session: Session,
    admin_tenants: frozenset[int],
    tenant_id: int,
    document: SettingsDocument,
    *,
    actor: Operator | str,
    now: datetime,
) -> TelephonySettingsView:
    tenant = _admin_tenant(session, admin_tenants, tenant_id)
    numbers = normalized_numbers(document.numbers, tenant.country)
    _check(session, tenant, document, numbers)
    row = session.exec(
        select(TelephonySettings).where(col(TelephonySettings.tenant_id) == tenant_id).with_for_update()
    ).first()
    before = _audited(row)
    values: dict[str, Any] = document.model_dump()
    values["numbers"] = numbers
    values["hold_music_url"] = str(document.hold_music_url) if document.hold_music_url else None
    if row is not None and values == before:
        return view_of(tenant_id, row)  # the same settings again: nothing to send, nothing to audit
    if row is None:
        row = TelephonySettings(tenant_id=tenant_id, revision=0, updated_at=now)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by_id = now, actor.id if isinstance(actor, Operator) else None
    session.add(row)
    session.flush()
    audit.record(
        session,
        now=now,
        actor=actor,
        action="telephony_settings.changed",
        entity="tenant",
        entity_id=tenant_id,
        tenant_id=tenant_id,
        before=before,
        after=_audited(row),
    )
    return view_of(tenant_id, row)


def _audited(row: TelephonySettings | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {name: getattr(row, name) for name in SettingsDocument.model_fields}
