"""The shop's daily report: made once per tenant and local day by the scheduler, kept for download, and
announced to integrations in the same transaction (see test_daily_report_delivery.py for the shop's end).

The known history (tests/reports/history.py) starts on Monday 23 November; both shops exist from midnight.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from contracts.routing import MessageType
from services.common.db import transaction
from services.order_confirm import app as order_confirm_app
from services.order_confirm.models import DailyReport, OutboxMessage, Tenant
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service.reports import daily
from services.order_confirm.service.reports.daily import generate_due
from tests.reports.conftest import runtime_on
from tests.reports.history import History, at, build_history, login
from tests.support import FrozenClock

REPORTS = ["speed", "outcomes", "handle_time", "quality", "same_day"]


@dataclass
class Timeline:
    runtime: OrderConfirmRuntime
    history: History
    api: TestClient
    generated: dict[str, int]


@pytest.fixture(scope="module")
def timeline(report_database: str) -> Iterator[Timeline]:
    """The scheduler's sweeps over three days, with the scheduler down for the whole of Wednesday the 25th."""
    runtime = runtime_on(report_database)
    runtime.outbox.relay_enabled = False  # the outbox rows are what integrations would receive
    history = build_history(runtime.engine)
    with transaction(runtime.engine) as session:
        for tenant in session.exec(select(Tenant)).all():
            tenant.created_at = at("2026-11-23 00:00")
            session.add(tenant)
    clock = runtime.clock
    assert isinstance(clock, FrozenClock)
    generated = {}
    for moment in ("2026-11-24 05:59", "2026-11-24 06:00", "2026-11-24 06:05", "2026-11-26 07:00"):
        clock.set(at(moment))
        generated[moment] = generate_due(runtime)
    with TestClient(order_confirm_app.create_app(runtime)) as api:
        yield Timeline(runtime, history, api, generated)
    runtime.engine.dispose()


def stored(timeline: Timeline, tenant: str, day: str) -> DailyReport:
    with Session(timeline.runtime.engine) as session:
        report = session.exec(
            select(DailyReport).where(
                DailyReport.tenant_id == timeline.history.tenants[tenant], DailyReport.day == date.fromisoformat(day)
            )
        ).one()
    return report


def announcements(timeline: Timeline) -> list[dict[str, Any]]:
    with Session(timeline.runtime.engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.message_type == MessageType.REPORT_DAILY_READY.value)
            .order_by(col(OutboxMessage.id))
        ).all()
    return [dict(row.envelope) for row in rows]


def test_yesterdays_report_is_made_at_six_local_once_per_tenant_and_a_restart_fills_the_missed_days(
    timeline: Timeline,
) -> None:
    assert timeline.generated == {
        "2026-11-24 05:59": 0,  # Monday's calls may still get survey answers overnight
        "2026-11-24 06:00": 2,  # Monday, for both shops
        "2026-11-24 06:05": 0,  # already made
        "2026-11-26 07:00": 4,  # Tuesday and the missed Wednesday, for both shops
    }
    sent = [(envelope["tenant"], envelope["payload"]["day"]) for envelope in announcements(timeline)]
    assert sorted(sent) == sorted(
        (slug, day) for slug in ("shop", "rival") for day in ("2026-11-23", "2026-11-24", "2026-11-25")
    )


def test_the_stored_figures_are_the_report_apis_totals_for_that_local_day(timeline: Timeline) -> None:
    monday = stored(timeline, "shop", "2026-11-23")
    assert (monday.period_start, monday.period_end) == (at("2026-11-23 00:00"), at("2026-11-24 00:00"))
    outcomes = monday.figures["outcomes"]
    assert (outcomes["orders"], outcomes["confirmed"], outcomes["confirmed_with_changes"]) == (6, 1, 1)
    assert (outcomes["cancelled"], outcomes["unreachable"], outcomes["cancelled_by_shop"]) == (1, 1, 2)
    quality = monday.figures["quality"]
    assert (quality["csat_count"], quality["promoters"], quality["passives"], quality["nps"]) == (3, 1, 1, 50.0)

    headers = login(timeline.api, "masha")
    for name in REPORTS:
        params = {"from": "2026-11-23", "to": "2026-11-23", "group_by": "total"}
        row = timeline.api.get(f"/api/v1/reports/{name}", params=params, headers=headers).json()["rows"][0]
        assert monday.figures[name] == {k: v for k, v in row.items() if k not in daily.LABELS}, name

    announced = next(
        envelope["payload"]
        for envelope in announcements(timeline)
        if (envelope["tenant"], envelope["payload"]["day"]) == ("shop", "2026-11-23")
    )
    assert announced["figures"] == monday.figures
    shop_id = timeline.history.tenants["shop"]
    assert announced["xlsx_url"] == f"http://127.0.0.1:8000/api/v1/reports/daily/2026-11-23.xlsx?tenant_id={shop_id}"
    assert (announced["timezone"], announced["generated_at"]) == ("Europe/Moscow", "2026-11-24T03:00:00Z")


def test_the_shop_manager_lists_and_downloads_the_workbook_per_operator_with_a_total_row(timeline: Timeline) -> None:
    masha = login(timeline.api, "masha")
    listed = timeline.api.get("/api/v1/reports/daily", headers=masha).json()
    assert [(entry["tenant"], entry["day"]) for entry in listed] == [
        ("shop", "2026-11-25"),
        ("shop", "2026-11-24"),
        ("shop", "2026-11-23"),
    ]
    assert listed[2]["figures"] == stored(timeline, "shop", "2026-11-23").figures

    download = timeline.api.get("/api/v1/reports/daily/2026-11-23.xlsx", headers=masha)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="okno-daily-shop-2026-11-23.xlsx"' in download.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(download.content))
    assert workbook.sheetnames == REPORTS
    outcomes = list(workbook["outcomes"].iter_rows(min_row=2, values_only=True))
    keys = list(outcomes[0])
    by_group = {row[0]: dict(zip(keys, row, strict=True)) for row in outcomes[1:]}
    assert list(by_group) == ["Anna", "Boris", "Not called yet", "Total"]
    assert (by_group["Anna"]["confirmed"], by_group["Anna"]["unreachable"]) == (1, 1)
    assert (by_group["Boris"]["confirmed_with_changes"], by_group["Boris"]["cancelled"]) == (1, 1)
    assert by_group["Not called yet"]["cancelled_by_shop"] == 2
    total = stored(timeline, "shop", "2026-11-23").figures["outcomes"]
    assert {key: by_group["Total"][key] for key in total} == total


def test_only_supervisors_admins_and_the_shops_own_manager_see_daily_reports(timeline: Timeline) -> None:
    api, tenants = timeline.api, timeline.history.tenants
    anna = login(api, "anna")
    assert api.get("/api/v1/reports/daily", headers=anna).status_code == 404
    assert api.get("/api/v1/reports/daily/2026-11-23.xlsx", headers=anna).status_code == 404

    rita = api.get("/api/v1/reports/daily", headers=login(api, "rita")).json()
    assert {entry["tenant"] for entry in rita} == {"rival"}
    masha = login(api, "masha")
    assert api.get("/api/v1/reports/daily", params={"tenant_id": tenants["rival"]}, headers=masha).status_code == 404
    foreign = api.get("/api/v1/reports/daily/2026-11-23.xlsx", params={"tenant_id": tenants["rival"]}, headers=masha)
    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")
    missing = api.get("/api/v1/reports/daily/2026-11-20.xlsx", headers=masha)
    assert (missing.status_code, missing.json()["code"]) == (404, "daily_report_not_found")

    root = login(api, "root")
    ambiguous = api.get("/api/v1/reports/daily/2026-11-23.xlsx", headers=root)
    assert (ambiguous.status_code, ambiguous.json()["code"]) == (422, "tenant_required")
    named = api.get("/api/v1/reports/daily/2026-11-23.xlsx", params={"tenant_id": tenants["rival"]}, headers=root)
    assert 'filename="okno-daily-rival-2026-11-23.xlsx"' in named.headers["content-disposition"]
    assert api.get("/api/v1/reports/daily/yesterday.xlsx", headers=masha).status_code == 422


def test_a_second_scheduler_replica_racing_for_the_same_day_sends_nothing_twice(
    timeline: Timeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = len(announcements(timeline))
    # The other replica looked before this one committed: it saw no report and goes on to make one.
    monkeypatch.setattr(daily, "_stored", lambda session, tenant_id, day: None)
    made = daily._generate_once(timeline.runtime, timeline.history.tenants["shop"], date(2026, 11, 23))
    assert made is False
    assert len(announcements(timeline)) == before
    with Session(timeline.runtime.engine) as session:
        days = session.exec(
            select(col(DailyReport.day)).where(DailyReport.tenant_id == timeline.history.tenants["shop"])
        )
        assert sorted(days) == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)]
    assert generate_due(timeline.runtime) == 0
    assert timeline.runtime.clock() == datetime.fromisoformat("2026-11-26T04:00:00+00:00")


def test_a_shop_with_a_broken_timezone_costs_the_other_shops_nothing(timeline: Timeline) -> None:
    with transaction(timeline.runtime.engine) as session:
        for slug, zone in (("broken", "Mars/Olympus"), ("late", "Asia/Vladivostok")):
            session.add(Tenant(slug=slug, name=slug.title(), timezone=zone, created_at=at("2026-11-24 12:00")))
    # Vladivostok is 7 hours ahead of Moscow: its 25th closed long ago, the broken shop is skipped and logged.
    assert generate_due(timeline.runtime) == 2
    with Session(timeline.runtime.engine) as session:
        late = session.exec(select(Tenant).where(Tenant.slug == "late")).one()
        days = session.exec(select(col(DailyReport.day)).where(DailyReport.tenant_id == late.id)).all()
    assert sorted(days) == [date(2026, 11, 24), date(2026, 11, 25)]
