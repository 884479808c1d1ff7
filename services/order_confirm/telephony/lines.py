"""How an operator takes calls: the console's softphone (`browser`), or their own phone (`phone`: Okno rings
that number first, then connects the customer — for operators without a microphone in the browser).

The choice is part of the operator's presence in notify's routing projection, so inbound calls reach the
same line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import phonenumbers
from sqlmodel import Session, col, select

from services.common.problems import Unprocessable
from services.order_confirm.models import Operator, OperatorLine, OperatorTenant, Tenant
from services.order_confirm.service import audit

LineKind = Literal["browser", "phone"]


@dataclass(frozen=True)
class Line:
    line: LineKind
    phone_number: str | None


def line_of(session: Session, operator_id: int) -> Line:
    row = session.get(OperatorLine, operator_id)
    if row is None:
        return Line("browser", None)
    return Line("phone" if row.line == "phone" else "browser", row.phone_number)


def _home_country(session: Session, operator_id: int) -> str:
    country = session.exec(
        select(Tenant.country)
        .join(OperatorTenant, col(OperatorTenant.tenant_id) == col(Tenant.id))
        .where(col(OperatorTenant.operator_id) == operator_id)
        .order_by(col(Tenant.id))
    ).first()
    return country or "RU"


def _e164(text: str, country: str) -> str:
    try:
        parsed = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise Unprocessable(
            f"{text!r} is not a phone number Okno can call.",
            errors=[{"field": "phone_number", "message": "A full number, e.g. +79161234567."}],
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def set_line(session: Session, operator: Operator, line: LineKind, phone_number: str | None, *, now: datetime) -> Line:
    """`phone` needs the number to ring; a number given with `browser` is kept for next time."""
    assert operator.id is not None
    if line == "phone" and not phone_number:
        raise Unprocessable(
            "Calling your phone first needs its number.",
            errors=[{"field": "phone_number", "message": "Required when line is 'phone'."}],
        )
    number = _e164(phone_number, _home_country(session, operator.id)) if phone_number else None
    row = session.get(OperatorLine, operator.id, with_for_update=True)
    before = line_of(session, operator.id)
    if row is not None and (row.line, row.phone_number) == (line, number):
        return before
    if row is None:
        row = OperatorLine(operator_id=operator.id, updated_at=now)
    row.line, row.phone_number, row.updated_at = line, number, now
    session.add(row)
    for tenant_id in session.exec(
        select(OperatorTenant.tenant_id).where(col(OperatorTenant.operator_id) == operator.id)
    ):
        audit.record(
            session,
            now=now,
            actor=operator,
            action="operator.line_changed",
            entity="operator",
            entity_id=operator.id,
            tenant_id=tenant_id,
            before={"line": before.line, "phone_number": before.phone_number},
            after={"line": line, "phone_number": number},
        )
    return Line(line, number)
