"""A client cannot choose its own address: `X-Forwarded-For` counts only when a configured proxy sent it.

Real servers on real sockets (the test's own connections come from 127.0.0.1), so what is asserted is what
`okno serve` does: uvicorn believes no forwarding header, the apps' `OKNO_TRUSTED_PROXIES` rule decides.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from dramatiq.brokers.stub import StubBroker
from pydantic import ValidationError

from services.common.db import transaction
from services.common.forwarded import TrustedProxies, parse_networks
from services.integrations import app as integrations_app
from services.integrations import wiring as integrations_wiring
from services.integrations.service.provider_setup import configure_payments
from services.integrations.settings import IntegrationsSettings
from services.order_confirm import app as order_confirm_app
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.settings import OrderConfirmSettings
from tests.fakes.yookassa import FakeYooKassa
from tests.support import free_port, live_server, wait_until

YOOKASSA_NETWORK_ADDRESS = "185.71.76.7"  # inside one of YooKassa's published notification networks
LIMIT = 4


@contextmanager
def order_confirm(database_url: str, trusted_proxies: str) -> Iterator[httpx.Client]:
    settings = OrderConfirmSettings(
        database_url=database_url, redis_url=None, login_rate_limit=LIMIT, trusted_proxies=trusted_proxies
    )
    runtime = order_confirm_wiring.build(settings, broker=StubBroker())
    try:
        with (
            live_server(order_confirm_app.create_app(runtime)) as url,
            httpx.Client(base_url=url, timeout=30) as client,
        ):
            yield client
    finally:
        runtime.engine.dispose()


def _login(client: httpx.Client, forwarded_for: str) -> int:
    response = client.post(
        "/api/v1/auth/token",
        data={"username": "nobody", "password": "guess"},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


def test_rotating_a_spoofed_forwarded_for_does_not_escape_the_login_limit(database_url: str) -> None:
    with order_confirm(database_url, trusted_proxies="") as client:
        answers = [_login(client, f"198.51.100.{n}") for n in range(LIMIT + 2)]
    assert answers == [401] * LIMIT + [429, 429]


def test_a_configured_proxy_is_believed_from_the_right_so_clients_cannot_prepend_addresses(database_url: str) -> None:
    with order_confirm(database_url, trusted_proxies="10.9.0.0/16, 127.0.0.0/8") as client:
        # Each client behind the proxy has its own allowance.
        assert [_login(client, f"198.51.100.{n}") for n in range(LIMIT + 2)] == [401] * (LIMIT + 2)
        # The proxy appends the address it saw; whatever the client put in front of it is not read.
        spoofed = [_login(client, f"192.0.2.{n}, 203.0.113.9, 10.9.0.1") for n in range(LIMIT + 1)]
    assert spoofed == [401] * LIMIT + [429]


@contextmanager
def integrations(database_url: str, trusted_proxies: str, yookassa_url: str, shop_id: str, key: str) -> Iterator[str]:
    settings = IntegrationsSettings(database_url=database_url, redis_url=None, trusted_proxies=trusted_proxies)
    runtime = integrations_wiring.build(settings, broker=StubBroker())
    runtime.outbox.relay_enabled = False
    with transaction(runtime.engine) as session:
        payments = {"base_url": yookassa_url, "shop_id": shop_id, "secret_key": key, "check_source_ip": True}
        configure_payments(
            session,
            "acme",
            "yookassa",
            payments,
            link_ttl_minutes=30,
            now=runtime.clock(),
            capabilities=runtime.capabilities,
        )
    try:
        with live_server(integrations_app.create_app(runtime)) as url:
            yield url
    finally:
        runtime.engine.dispose()


def _notification(url: str, forwarded_for: str) -> httpx.Response:
    body = {"type": "notification", "event": "payment.succeeded", "object": {"id": "2f0a0000-000f-5000-9000-1"}}
    return httpx.post(f"{url}/v1/payments/acme/yookassa", json=body, headers={"X-Forwarded-For": forwarded_for})


def test_yookassa_source_fence_ignores_a_spoofed_forwarded_for_and_believes_a_configured_proxy(
    database_url: str,
) -> None:
    yookassa = FakeYooKassa()
    with live_server(yookassa.app) as yookassa_url:
        fence = (yookassa_url, yookassa.shop_id, yookassa.secret_key)
        with integrations(database_url, "", *fence) as url:
            spoofed = _notification(url, YOOKASSA_NETWORK_ADDRESS)
        assert spoofed.status_code == 403, spoofed.text
        assert spoofed.json()["code"] == "untrusted_source"

        with integrations(database_url, "127.0.0.1", *fence) as url:
            proxied = _notification(url, YOOKASSA_NETWORK_ADDRESS)
            from_elsewhere = _notification(url, "198.51.100.1")
        # Past the fence: the payment is re-read from YooKassa, which does not know it.
        assert proxied.status_code == 200, proxied.text
        assert proxied.json() == {"status": "ignored"}
        assert from_elsewhere.status_code == 403


def test_the_trusted_proxy_rule() -> None:
    proxies = TrustedProxies(parse_networks("10.0.0.0/8, ::1"))
    assert proxies.client("198.51.100.1", "203.0.113.9") == "198.51.100.1"  # peer is no proxy
    assert proxies.client("10.0.0.2", "203.0.113.9, 10.0.0.3") == "203.0.113.9"
    assert proxies.client("::1", "[2001:db8::5]:4711") == "2001:db8::5"
    assert proxies.client("10.0.0.2", "not-an-address") == "10.0.0.2"
    assert proxies.client("10.0.0.2", "10.0.0.7, 10.0.0.3") == "10.0.0.7"  # proxies all the way
    with pytest.raises(ValidationError, match="not an IP address"):
        OrderConfirmSettings(trusted_proxies="10.0.0.0/8, proxy.local")


def test_okno_serve_believes_no_forwarded_for_by_default(sqlite_template: Path, tmp_path: Path) -> None:
    """The production command itself, as a process: before, it believed `X-Forwarded-For` from everyone."""
    database = tmp_path / "okno.db"
    shutil.copyfile(sqlite_template, database)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    env |= {"OKNO_DATABASE_URL": f"sqlite:///{database}", "OKNO_ORDER_CONFIRM_LOGIN_RATE_LIMIT": str(LIMIT)}
    okno = Path(sys.executable).with_name("okno")
    command = [str(okno), "serve", "order_confirm", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            wait_until(lambda: _answers(client) or process.poll() is not None, timeout=60, interval=0.25)
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else "okno serve exited"
            answers = [_login(client, f"198.51.100.{n}") for n in range(LIMIT + 1)]
        assert answers == [401] * LIMIT + [429]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
