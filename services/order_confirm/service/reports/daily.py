"""The daily report of each tenant: generated once per local day, kept for download, sent to the shop.

The scheduler calls `generate_due`; each (tenant, day) is its own transaction holding the stored report and
its `report.daily_ready` outbox message, so a crash, a restart or a second scheduler replica can neither
lose a day nor send one twice (the unique (tenant, day) constraint settles races).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from contracts.reports import DailyReportReady
from contracts.routing import MessageType
from services.common.db import transaction
from services.common.problems import NotFound, Unprocessable
from services.order_confirm.domain.daily_report import days_due
from services.order_confirm.domain.report_periods import Grouping
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import DailyReport, Operator, Tenant
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service.reports import ReportName, ReportRequest, build_report
from services.order_confirm.service.reports.exports import to_xlsx
from services.order_confirm.service.reports.table import ReportTable
from services.order_confirm.service.scope import Scope

log = structlog.get_logger(__name__)

# Arrivals by hour of week need weeks of history to mean anything; a single day adds nothing to the others.
DAILY_REPORTS = (ReportName.SPEED, ReportName.OUTCOMES, ReportName.HANDLE_TIME, ReportName.QUALITY, ReportName.SAME_DAY)
TOTAL_LABEL = "Total"
LABELS = ("group", "group_id", "starts", "ends")  # the message carries the period once, not per report


class DailyReportNotFound(NotFound):
    code = "daily_report_not_found"


class TenantRequired(Unprocessable):
    code, title = "tenant_required", "Name the tenant"


@dataclass(frozen=True)
class DailyReportEntry:
    tenant_id: int
    tenant: str
    day: date
    timezone: str
    generated_at: datetime
    figures: dict[str, Any]


def generate_due(runtime: OrderConfirmRuntime) -> int:
    """Generate every missing daily report that is due; returns how many this call generated."""
    settings, now = runtime.settings, runtime.clock()
    with Session(runtime.engine) as session:
        tenants = list(session.exec(select(Tenant).order_by(col(Tenant.id))).all())
        done = _generated_days(session, settings.daily_report_catch_up_days + 2, now)
    generated = 0
    for tenant in tenants:
        assert tenant.id is not None
        try:
            due = days_due(
                now,
                ZoneInfo(tenant.timezone),
                tenant_since=tenant.created_at,
                ready_hour=settings.daily_report_ready_hour,
                catch_up_days=settings.daily_report_catch_up_days,
            )
            for day in due:
                if (tenant.id, day) not in done:
                    generated += _generate_once(runtime, tenant.id, day)
        except Exception:  # one shop's broken configuration must not cost the other shops their report
            log.exception("daily_report.failed", tenant_id=tenant.id)
    return generated


def _generated_days(session: Session, days: int, now: datetime) -> set[tuple[int, date]]:
    since = now.date() - timedelta(days=days)
    rows = session.exec(select(col(DailyReport.tenant_id), col(DailyReport.day)).where(col(DailyReport.day) >= since))
    return {(tenant_id, day) for tenant_id, day in rows}


def _generate_once(runtime: OrderConfirmRuntime, tenant_id: int, day: date) -> bool:
    try:
        with transaction(runtime.engine) as session:
            if _stored(session, tenant_id, day) is not None:
                return False
            generate(session, runtime, tenant_id, day)
    except IntegrityError:
        log.info("daily_report.already_generated", tenant_id=tenant_id, day=str(day))
        return False
    log.info("daily_report.generated", tenant_id=tenant_id, day=str(day))
    return True


def generate(session: Session, runtime: OrderConfirmRuntime, tenant_id: int, day: date) -> DailyReport:
    """Build, store and announce one tenant's report for one local day, in the caller's transaction."""
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"No tenant {tenant_id}.")
    now = runtime.clock()
    scope = _whole_tenant(tenant_id)
    sheets, figures = [], {}
    for name in DAILY_REPORTS:
        by_operator = _report(session, scope, name, tenant, day, Grouping.OPERATOR, now)
        total = _report(session, scope, name, tenant, day, Grouping.TOTAL, now)
        figures[name.value] = {key: value for key, value in total.rows[0].items() if key not in LABELS}
        by_operator.rows.append({**total.rows[0], "group": TOTAL_LABEL, "group_id": None})
        sheets.append(by_operator)
    report = DailyReport(
        tenant_id=tenant_id,
        day=day,
        timezone=tenant.timezone,
        period_start=datetime.fromisoformat(total.rows[0]["starts"]),
        period_end=datetime.fromisoformat(total.rows[0]["ends"]),
        figures=figures,
        xlsx=to_xlsx(sheets),
        generated_at=now,
    )
    session.add(report)
    session.flush()  # the unique (tenant, day) constraint fires here, before the message is written
    runtime.outbox.add(
        session,
        MessageType.REPORT_DAILY_READY,
        tenant.slug,
        DailyReportReady(
            tenant_id=tenant_id,
            day=day,
            timezone=tenant.timezone,
            period_start=report.period_start,
            period_end=report.period_end,
            generated_at=now,
            xlsx_url=download_url(runtime.settings.public_url, tenant_id, day),
            figures=figures,
        ),
    )
    return report


def _report(
    session: Session, scope: Scope, name: ReportName, tenant: Tenant, day: date, grouping: Grouping, now: datetime
) -> ReportTable:
    request = ReportRequest(day, day, grouping, tenant.id, None, tenant.timezone)
    return build_report(session, scope, name, request, now=now)


def _whole_tenant(tenant_id: int) -> Scope:
    """The scheduler reads as the shop's manager would: every figure of the tenant. The operator is a
    transient stand-in (never stored): report scoping only looks at its role and the tenant set."""
    reader = Operator(id=0, login="okno-daily-report", name="Okno", role=Role.CLIENT_MANAGER.value, password_hash="")
    return Scope(reader, frozenset({tenant_id}))


def download_url(public_url: str, tenant_id: int, day: date) -> str:
    return f"{public_url.rstrip('/')}/api/v1/reports/daily/{day.isoformat()}.xlsx?tenant_id={tenant_id}"


def _stored(session: Session, tenant_id: int, day: date) -> DailyReport | None:
    query = select(DailyReport).where(DailyReport.tenant_id == tenant_id, DailyReport.day == day)
    return session.exec(query).first()


def list_daily_reports(
    session: Session, scope: Scope, *, tenant_id: int | None, since: date | None, limit: int
) -> list[DailyReportEntry]:
    """The stored daily reports of the caller's tenants (or one of them), newest day first."""
    tenants = _tenants(scope, tenant_id)
    query = (
        select(DailyReport, Tenant.slug)
        .join(Tenant, col(Tenant.id) == col(DailyReport.tenant_id))
        .where(col(DailyReport.tenant_id).in_(tenants))
        .order_by(col(DailyReport.day).desc(), col(DailyReport.tenant_id))
        .limit(limit)
    )
    if since is not None:
        query = query.where(col(DailyReport.day) >= since)
    return [
        DailyReportEntry(r.tenant_id, slug, r.day, r.timezone, r.generated_at, dict(r.figures))
        for r, slug in session.exec(query).all()
    ]


def daily_workbook(session: Session, scope: Scope, day: date, *, tenant_id: int | None) -> tuple[str, bytes]:
    """(file name, XLSX bytes) of one stored report; a caller with several tenants must name one."""
    tenants = _tenants(scope, tenant_id)
    if len(tenants) != 1:
        raise TenantRequired("You work for several tenants; add `tenant_id` to say whose report you want.")
    query = (
        select(DailyReport, Tenant.slug)
        .join(Tenant, col(Tenant.id) == col(DailyReport.tenant_id))
        .where(DailyReport.tenant_id == tenants[0], DailyReport.day == day)
    )
    found = session.exec(query).first()
    if found is None:
        raise DailyReportNotFound(f"No daily report for {day.isoformat()}.")
    report, slug = found
    return f"okno-daily-{slug}-{day.isoformat()}.xlsx", report.xlsx


def _tenants(scope: Scope, tenant_id: int | None) -> list[int]:
    if tenant_id is None:
        return sorted(scope.tenant_ids)
    if not scope.has_tenant(tenant_id):
        raise NotFound(f"No tenant {tenant_id}.")
    return [tenant_id]
