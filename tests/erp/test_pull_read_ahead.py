"""A pull of more than one page prepares the rest in a process of its own (a second core for the mapping,
hashing and validation); a one-page pull never starts it, and losing it loses nothing that was committed."""

from __future__ import annotations

import os
import re
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from okno.sandbox.onec_trade import PARTNERS, seed_orders
from services.integrations.models import ErpCursor, ErpDocument, OutboxMessage
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.erp_pull import PullSummary, pull_tenant
from services.integrations.service.erp_read_ahead import ReadAheadLost
from tests.erp.conftest import TENANT, OneC, connect_erp
from tests.support import wait_until


def read_ahead_processes() -> list[int]:
    """This process's children running the pull's read-ahead."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:  # ended since it was listed
                continue
            if b"erp_read_ahead" in command:
                found.append(int(child))
    return found


def sent_snapshots(runtime: IntegrationsRuntime) -> list[tuple[str, str]]:
    """(source_ref, external id) of every snapshot written, in the order the pull wrote them."""
    with Session(runtime.engine) as session:
        envelopes = session.exec(select(OutboxMessage.envelope).order_by(col(OutboxMessage.id))).all()
    return [(e["payload"]["source_ref"], e["payload"]["external_id"]) for e in envelopes]


@pytest.mark.parametrize("own_process", [True, False])
def test_pages_after_the_first_come_from_the_read_ahead_process_or_this_one_with_the_same_result(
    integrations: IntegrationsRuntime, onec: OneC, own_process: bool
) -> None:
    keys = seed_orders(onec.store, 50)
    connect_erp(integrations, onec, page_size=10)
    integrations.settings.erp_read_ahead_process = own_process
    seen: list[int] = []

    def on_page(summary: PullSummary) -> None:
        if summary.pages == 2:  # the third page is not the last: whoever prepares it is still there
            seen.extend(read_ahead_processes())

    summary = pull_tenant(integrations, TENANT, on_page=on_page)

    assert (summary.created, summary.skipped) == (50, [])
    assert bool(seen) == own_process
    assert not read_ahead_processes()  # ended with the pull
    # Each process reads a partner once: the pull's thread (page 1, and the rest without the process) and the
    # read-ahead process.
    reads = Counter(
        key
        for r in onec.store.log
        if r.entity_set == PARTNERS
        for key in re.findall(r"guid'([^']+)'", r.query["$filter"])
    )
    assert reads and max(reads.values()) <= (2 if own_process else 1)
    sent = sent_snapshots(integrations)
    assert sorted(ref for ref, _ in sent) == sorted(f"erp:{key}" for key in keys)
    assert len({external_id for _, external_id in sent}) == 50


def test_a_one_page_pull_starts_no_process(integrations: IntegrationsRuntime, onec: OneC) -> None:
    seed_orders(onec.store, 5)
    connect_erp(integrations, onec, page_size=10)
    seen: list[int] = []

    summary = pull_tenant(integrations, TENANT, on_page=lambda _: seen.extend(read_ahead_processes()))

    assert (summary.created, summary.pages, seen) == (5, 1, [])


def test_the_read_ahead_process_killed_mid_pull_fails_the_pull_and_the_repull_sends_every_order_once(
    integrations: IntegrationsRuntime, onec: OneC
) -> None:
    keys = seed_orders(onec.store, 60)
    connect_erp(integrations, onec, page_size=10)
    onec.store.faults.latency_seconds = 0.05  # the read-ahead is still at work when it is killed

    def kill_the_read_ahead(summary: PullSummary) -> None:
        if summary.pages == 1:
            for pid in wait_until(read_ahead_processes, message="the read-ahead process"):
                os.kill(pid, signal.SIGKILL)

    with pytest.raises(ReadAheadLost):
        pull_tenant(integrations, TENANT, on_page=kill_the_read_ahead)

    committed = sent_snapshots(integrations)
    assert 10 <= len(committed) < 60
    with Session(integrations.engine) as session:
        cursor = session.get(ErpCursor, TENANT)
        assert cursor is not None and cursor.pulled_total == len(committed)
        assert cursor.last_error is not None and "read-ahead process" in cursor.last_error
    onec.store.faults.latency_seconds = 0

    rest = pull_tenant(integrations, TENANT)

    assert rest.created == 60 - len(committed)
    with Session(integrations.engine) as session:
        assert set(session.exec(select(ErpDocument.document_key)).all()) == set(keys)
    sent = sent_snapshots(integrations)
    assert len(sent) == len({ref for ref, _ in sent}) == 60


def test_where_no_read_ahead_process_can_start_the_pull_prepares_every_page_itself(
    integrations: IntegrationsRuntime, onec: OneC, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = seed_orders(onec.store, 30)
    connect_erp(integrations, onec, page_size=10)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")

    summary = pull_tenant(integrations, TENANT)

    assert (summary.created, summary.exhausted) == (30, True)
    assert sorted(ref for ref, _ in sent_snapshots(integrations)) == sorted(f"erp:{key}" for key in keys)
