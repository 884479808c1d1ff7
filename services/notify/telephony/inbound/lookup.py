"""What inbound routing reads, from notify's own tables only (the projection and its own calls)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import phonenumbers
from sqlalchemy import and_, exists, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from contracts.telephony import TelephonySettingsChanged
from services.notify.telephony.models import (
    VoiceCall,
    VoiceCallOffer,
    VoiceCover,
    VoiceCustomer,
    VoiceNumber,
    VoicePresence,
)
from services.notify.telephony.routing import Agent, Caller, TenantRules
from services.notify.telephony.tenant_settings import tenant_settings as cached_settings

ENDED = "ended"
# Rung and not taken; an offer notify itself withdrew (`canceled`) says nothing about the operator.
DECLINED = ("no_answer", "rejected", "failed")


def tenant_of_number(session: Session, number: str) -> str | None:
    row = session.get(VoiceNumber, number)
    return row.tenant_id if row is not None else None


def tenant_settings(session: Session, tenant_id: str) -> TelephonySettingsChanged | None:
    return cached_settings(session, tenant_id)  # kept a few seconds per process (telephony/tenant_settings.py)


def rules_of(settings: TelephonySettingsChanged) -> TenantRules:
    return TenantRules(
        enabled=settings.enabled,
        owner_wait_seconds=settings.owner_wait_seconds,
        cover_wait_seconds=settings.cover_wait_seconds,
        ring_seconds=settings.ring_seconds,
        max_queue_seconds=settings.max_queue_seconds,
        callback_offer=settings.callback_offer,
    )


def normalized(raw: str | None, default_country: str) -> str | None:
    """The caller's number in E.164 as intake would store it; None when withheld or not a phone number."""
    if not raw or raw.startswith("client:"):
        return None
    try:
        number = phonenumbers.parse(raw, default_country.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None  # Twilio's "anonymous", "+266696687" (withheld) and the like
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def customer_by_phone(session: Session, tenant_id: str, e164: str | None) -> VoiceCustomer | None:
    if e164 is None:
        return None
    statement = (
        select(VoiceCustomer)
        .where(col(VoiceCustomer.tenant_id) == tenant_id, col(VoiceCustomer.phone) == e164)
        .order_by(col(VoiceCustomer.revision).desc(), col(VoiceCustomer.customer_id).desc())
    )
    return session.exec(statement).first()


def agents(session: Session, tenant_id: str) -> list[Agent]:
    """The tenant's signed-in operators (`available`, still members) with the line they take calls on; busy = a
    line that rings or talks (notify's calls of any tenant). One statement: this runs on every routing decision."""
    operator = col(VoicePresence.operator_id)
    ringing = exists().where(col(VoiceCallOffer.operator_id) == operator, col(VoiceCallOffer.ended_at).is_(None))
    talking = exists().where(col(VoiceCall.operator_id) == operator, col(VoiceCall.state) != ENDED)
    rows = session.execute(
        select_columns(
            col(VoicePresence.operator_id),
            col(VoicePresence.last_call_ended_at),
            or_(ringing, talking),
            col(VoicePresence.line),
            col(VoicePresence.phone_number),
        ).where(
            col(VoicePresence.tenant_id) == tenant_id,
            col(VoicePresence.status) == "available",
            col(VoicePresence.member).is_(True),
        )
    ).all()
    return [
        Agent(operator_id, True, bool(busy), idle, phone if line == "phone" else None)
        for operator_id, idle, busy, line, phone in rows
    ]


def waiting_callers(session: Session, tenant_id: str) -> list[Caller]:
    """Every queued inbound call of the tenant, with its owner's cover and whom it rang in vain.

    One statement of plain columns, no ORM objects: it runs on every decision over the whole queue (a burst of
    200 callers made each decision load ~180 calls as entities, then two more statements)."""
    call, cover, offer = VoiceCall.__table__, VoiceCover.__table__, VoiceCallOffer.__table__  # type: ignore[attr-defined]
    personal = and_(cover.c.tenant_id == call.c.tenant_id, cover.c.owner_id == call.c.owner_id)
    in_vain = and_(offer.c.call_id == call.c.id, offer.c.result.in_(DECLINED))
    rows = session.execute(
        select_columns(
            call.c.id,
            call.c.queue_entered_at,
            call.c.offered_at,
            call.c.customer_id,
            call.c.owner_id,
            cover.c.cover_id,
            offer.c.operator_id,
        )
        .select_from(call.outerjoin(cover, personal).outerjoin(offer, in_vain))
        .where(call.c.tenant_id == tenant_id, call.c.state == "queued", call.c.direction == "inbound")
    ).all()
    found: dict[str, tuple[datetime, bool, int | None, int | None]] = {}  # FIFO time, known, owner, cover
    declined: dict[str, set[int]] = defaultdict(set)
    for call_id, entered, offered, customer_id, owner_id, cover_id, declined_by in rows:
        found.setdefault(call_id, (entered or offered, customer_id is not None, owner_id, cover_id))
        if declined_by is not None:
            declined[call_id].add(declined_by)
    return [
        Caller(
            call_id, entered, known, owner_id, cover_id if owner_id is not None else None, frozenset(declined[call_id])
        )
        for call_id, (entered, known, owner_id, cover_id) in found.items()
    ]


def callers(session: Session, tenant_id: str, calls: Iterable[VoiceCall]) -> list[Caller]:
    calls = list(calls)
    if not calls:
        return []
    declined: dict[str, set[int]] = defaultdict(set)
    offers = session.exec(
        select(VoiceCallOffer.call_id, VoiceCallOffer.operator_id).where(
            col(VoiceCallOffer.call_id).in_([c.id for c in calls]),
            col(VoiceCallOffer.result).in_(DECLINED),
        )
    ).all()
    for call_id, operator_id in offers:
        declined[call_id].add(operator_id)
    owners = {c.owner_id for c in calls if c.owner_id is not None}
    covers = {}
    if owners:
        rows = session.exec(
            select(VoiceCover).where(col(VoiceCover.tenant_id) == tenant_id, col(VoiceCover.owner_id).in_(owners))
        ).all()
        covers = {row.owner_id: row.cover_id for row in rows}
    return [
        Caller(
            call.id,
            call.queue_entered_at or call.offered_at,
            call.customer_id is not None,
            call.owner_id,
            covers.get(call.owner_id) if call.owner_id is not None else None,
            frozenset(declined[call.id]),
        )
        for call in calls
    ]
