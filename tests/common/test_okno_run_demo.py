"""`okno run` as a new user meets it: a second start on a busy port, `okno demo send-order`, `--port N`."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from pytest import MonkeyPatch
from twilio.request_validator import RequestValidator

from okno.demo import DEMO_NUMBER
from okno.embedded import build_okno
from tests.common.okno_process import RunningOkno, okno_command
from tests.support import wait_until

# Subprocesses, restarts or long waits: scheduled first (tests/conftest.py).
pytestmark = pytest.mark.slow

ERP_URL = "SELECT base_url FROM erp_connections"


def test_a_second_okno_run_on_a_busy_port_refuses_before_touching_anything(
    okno_run: RunningOkno, tmp_path: Path
) -> None:
    erp_before = okno_run.query(ERP_URL)
    assert erp_before, "the demo shop is connected to the local 1C"
    second = okno_command(okno_run.directory, "run", "--port", str(okno_run.port))
    output = second.stdout + second.stderr
    assert second.returncode == 1, output
    assert f"port {okno_run.port} in use" in output and "try `okno run --port" in output, output
    assert "Demo tenant" not in output and "Local 1C" not in output, "nothing seeded, no 1C started"
    # The running demo shop still pulls from its own (live) 1C, and the first process serves on.
    assert okno_run.query(ERP_URL) == erp_before
    assert httpx.get(erp_before[0][0], auth=("okno", "okno")).status_code < 500, "that 1C answers"
    assert httpx.get(f"{okno_run.url}/readyz").status_code == 200
    # Started elsewhere on the busy port, it does not even create (migrate) a database.
    elsewhere = okno_command(tmp_path, "run", "--port", str(okno_run.port))
    assert elsewhere.returncode == 1 and not (tmp_path / "okno.db").exists()


def _sent_owner(okno_run: RunningOkno, phone: str) -> tuple[str, str]:
    sent = okno_command(okno_run.directory, "demo", "send-order", "--url", okno_run.url, "--phone", phone)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    found = re.search(r"order (\S+) sent; (.*)", " ".join(sent.stdout.split()))
    assert found, sent.stdout
    return found.group(1), found.group(2)


def _owner_in_database(okno_run: RunningOkno, external_id: str) -> str | None:
    rows = okno_run.query(
        "SELECT operators.login FROM orders JOIN customers ON customers.id = orders.customer_id "
        "LEFT JOIN operators ON operators.id = customers.owner_id WHERE orders.external_id = ?",
        external_id,
    )
    assert len(rows) == 1
    owner: str | None = rows[0][0]
    return owner


def _put_on_shift(okno_run: RunningOkno, statuses: dict[str, str]) -> None:
    """As the demo supervisor would, in the console."""
    login = {"username": "sup", "password": "okno-demo"}
    token = httpx.post(f"{okno_run.url}/api/v1/auth/token", data=login).json()["access_token"]
    for operator, status in statuses.items():
        (operator_id,) = okno_run.query("SELECT id FROM operators WHERE login = ?", operator)[0]
        answer = httpx.put(
            f"{okno_run.url}/api/v1/operators/{operator_id}/status",
            json={"status": status},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text


def test_send_order_names_the_real_owner_of_the_order(okno_run: RunningOkno) -> None:
    _put_on_shift(okno_run, {"op1": "offline"})
    try:
        external_id, said = _sent_owner(okno_run, "+7 916 555-40-01")
        owner = _owner_in_database(okno_run, external_id)
        assert owner in ("op2", "op3"), owner  # op1 is off shift: never the owner of a new customer
        assert f"owner is {owner} " in said and f"log in as {owner} " in said, said
        _put_on_shift(okno_run, {"op2": "offline", "op3": "offline"})
        external_id, said = _sent_owner(okno_run, "+7 916 555-40-02")
        assert _owner_in_database(okno_run, external_id) is None
        assert "unassigned pool" in said and "log in as" not in said, said
    finally:
        _put_on_shift(okno_run, {"op1": "available", "op2": "available", "op3": "available"})


def _sandbox_auth_token(directory: Path) -> str:
    """Stored sealed (services/common/encryption), with the key `okno run` keeps beside its database."""
    with sqlite3.connect(f"file:{directory / 'okno.db'}?mode=ro", uri=True) as connection:
        sealed = str(connection.execute("SELECT auth_token FROM notify_sandbox_credentials").fetchone()[0])
    return Fernet((directory / "okno-secret.key").read_text().split()[0]).decrypt(sealed.encode()).decode()


def test_every_self_url_follows_the_port_of_okno_run(okno_run: RunningOkno) -> None:
    output = " ".join(okno_run.output().split())
    assert okno_run.port != 8000
    assert f"{okno_run.url}/notify/simulator/#ticket=" in output
    assert f"{okno_run.url}/notify/sandbox/sms/#ticket=" in output
    # Twilio signs the URL it requested; notify checks against its public URL, which follows the port.
    path = "/notify/twilio/surveys/999999/status"
    form = {"CallSid": "CA" + "0" * 32, "CallStatus": "completed"}
    validator = RequestValidator(_sandbox_auth_token(okno_run.directory))
    for base, refused in ((okno_run.url, False), ("http://127.0.0.1:8000", True)):
        signature = validator.compute_signature(f"{base}{path}", form)
        answer = httpx.post(f"{okno_run.url}{path}", data=form, headers={"X-Twilio-Signature": signature})
        assert (answer.status_code == 403) is refused, (base, answer.status_code, answer.text)


def test_every_setting_naming_this_process_follows_the_base_url(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """Any setting whose default points at `okno run`'s default port is a self URL and must follow `--port`."""
    monkeypatch.setenv("OKNO_ORDER_CONFIRM_PUBLIC_URL", "https://okno.example.com")  # chosen: kept
    okno = build_okno(database_url=f"sqlite:///{tmp_path / 'okno.db'}", redis_url="", base_url="http://127.0.0.1:8123")
    try:
        checked = 0
        for runtime in okno.runtimes:
            for name, field in type(runtime.settings).model_fields.items():
                if isinstance(field.default, str) and "127.0.0.1:8000" in field.default:
                    value = getattr(runtime.settings, name)
                    expected = "https://okno.example.com" if name == "public_url" else ":8123"
                    assert expected in value and ":8000" not in value, (type(runtime.settings).__name__, name, value)
                    checked += 1
        assert checked >= 4
        assert okno.notify.settings.public_base_url == "http://127.0.0.1:8123/notify"
    finally:
        for runtime in okno.runtimes:
            runtime.engine.dispose()


def test_the_demo_shop_can_take_a_call_without_setting_telephony_up(okno_run: RunningOkno) -> None:
    """README "Try a call in okno run": the demo shop has a number, recording and its announcement from the
    start, saved as an admin saves them, and notify learns the number by message (its projection)."""
    rows = okno_run.query(
        "SELECT enabled, numbers, recording, announcement FROM telephony_settings "
        "JOIN tenants ON tenants.id = telephony_settings.tenant_id WHERE tenants.slug = 'demo-shop'"
    )
    assert len(rows) == 1, rows
    enabled, numbers, recording, announcement = rows[0]
    assert (enabled, json.loads(numbers), recording, announcement) == (1, [DEMO_NUMBER], 1, 1)
    audited = okno_run.query("SELECT count(*) FROM audit_log WHERE action = 'telephony_settings.changed'")
    assert audited == [(1,)], audited
    routed = wait_until(
        lambda: okno_run.query("SELECT tenant_id FROM voice_numbers WHERE number = ?", DEMO_NUMBER),
        timeout=30,
        message="notify's projection to know the demo shop's number",
    )
    assert routed == [("demo-shop",)], routed
    assert f"the shop's number (sandbox): {DEMO_NUMBER}" in " ".join(okno_run.output().split())
