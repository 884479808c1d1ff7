"""Same-day delivery: urgent orders that arrived in the period, the payment links operators sent for
them, how many were paid (conversion) and the revenue collected through the links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlmodel import Session, col

from contracts.payments import PaymentLinkStatus
from services.order_confirm.domain.service_level import share
from services.order_confirm.models import Order
from services.order_confirm.models.payments import PaymentLink
from services.order_confirm.service.reports.frame import ReportFrame
from services.order_confirm.service.reports.grouping import Facts, labelled, last_caller
from services.order_confirm.service.reports.sql import counted
from services.order_confirm.service.reports.table import GROUP_COLUMNS, Column, Kind, ReportTable

COLUMNS = [
    *GROUP_COLUMNS,
    Column("eligible", "Same-day orders", Kind.COUNT),
    Column("links_created", "Orders sent a payment link", Kind.COUNT),
    Column("paid", "Paid", Kind.COUNT),
    Column("conversion", "Conversion", Kind.SHARE),
    Column("revenue_minor", "Revenue (minor units)", Kind.MONEY),
    Column("currency", "Currency", Kind.TEXT),
]


def same_day_report(session: Session, frame: ReportFrame) -> ReportTable:
    facts = Facts(frame, col(Order.received_at), last_caller(), col(Order.tenant_id))
    linked = exists().where(col(PaymentLink.order_id) == col(Order.id))
    paid_link = and_(col(PaymentLink.order_id) == col(Order.id), col(PaymentLink.status) == PaymentLinkStatus.PAID)
    # At most one link of an order is paid (integrations refuses a second payment), so summing is exact.
    revenue = select(func.coalesce(func.sum(PaymentLink.amount_minor), 0)).where(paid_link).scalar_subquery()
    query = facts.select(
        Order,
        counted(col(Order.urgent).is_(True) | linked).label("eligible"),
        counted(linked).label("links"),
        counted(exists().where(paid_link)).label("paid"),
        func.coalesce(func.sum(revenue), 0).label("revenue"),
        func.min(case((linked, Order.currency))).label("currency"),
        func.count(func.distinct(case((linked, Order.currency)))).label("currencies"),
    )
    figures = {row.key: _figures(row) for row in session.execute(query)}
    rows = labelled(session, frame, figures, lambda: _figures(None))
    return ReportTable("same_day", "Same-day delivery and payment links", COLUMNS, rows)


def _figures(row: Any) -> dict[str, Any]:
    links, paid = (int(row.links), int(row.paid)) if row else (0, 0)
    return {
        "eligible": int(row.eligible) if row else 0,
        "links_created": links,
        "paid": paid,
        "conversion": share(paid, links),
        "revenue_minor": int(row.revenue) if row else 0,
        # Revenue of shops in different currencies is never added up silently.
        "currency": (row.currency if int(row.currencies) == 1 else "mixed") if row and links else None,
    }
