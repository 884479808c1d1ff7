"""Stored credentials are sealed (Fernet), rotatable, never answered back, and required to start.

Before: webhook secrets, shop-webhook secrets, Stripe/YooKassa/CDEK keys and ERP passwords sat in clear in the
integrations database, and `GET …/shop-webhook` answered the secret to anyone with the admin token.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet, InvalidToken
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session

from contracts.http.erp_sync import ErpConnectionIn, ShopWebhookIn
from services.common.db import make_engine, transaction
from services.common.encryption import Keyring, install
from services.common.migrations import SERVICES, alembic_config, upgrade
from services.common.settings import DEV_SERVICE_TOKEN
from services.integrations import app as integrations_app
from services.integrations import wiring as integrations_wiring
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service import erp_config, provider_setup, tenants
from services.integrations.settings import IntegrationsSettings
from tests.conftest import PG_URL, is_postgres
from tests.support import live_server

# Subprocesses, restarts or long waits: scheduled first (tests/conftest.py).
pytestmark = pytest.mark.slow

TEST_KEY = os.environ["OKNO_SECRET_KEYS"]  # the run's key (tests/conftest.py)
OKNO = str(Path(sys.executable).with_name("okno"))
ADMIN = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"intake-secret-of-books-0000000000").decode()
SHOP_SECRET = "whsec_" + base64.b64encode(b"outcome-secret-of-books-000000000").decode()
ERP_PASSWORD = "erp-password-Zx81"
STRIPE_KEY, STRIPE_WEBHOOK = "sk_test_stripekey_Q7", "whsec_stripe_hook_R2"
CDEK_SECRET = "cdek-client-secret-P4"
SECRETS = (WEBHOOK_SECRET, SHOP_SECRET, ERP_PASSWORD, STRIPE_KEY, STRIPE_WEBHOOK, CDEK_SECRET)
CDEK = {
    "base_url": "http://127.0.0.1:9",
    "client_id": "cdek-client",
    "client_secret": CDEK_SECRET,
    "tariff_codes": [480],
    "from_location": {"code": 44, "address": "Склад"},
    "cutoff": "14:00",
    "windows": [{"code": "day", "start": "15:00", "end": "21:00"}],
}


@pytest.fixture
def integrations(database_url: str) -> Iterator[IntegrationsRuntime]:
    runtime = integrations_wiring.build(
        IntegrationsSettings(database_url=database_url, redis_url=None), broker=StubBroker()
    )
    yield runtime
    runtime.engine.dispose()
    install("integrations", Keyring((TEST_KEY,), "OKNO_SECRET_KEYS"))  # whatever a test rotated to


def store_every_kind_of_secret(runtime: IntegrationsRuntime) -> None:
    with transaction(runtime.engine) as session:
        tenants.add_tenant(session, slug="books", name="Books", country="RU", now=NOW, webhook_secret=WEBHOOK_SECRET)
        tenants.rotate_webhook_secret(
            session, "books", grace=timedelta(hours=24), now=NOW
        )  # the previous secret is kept too
        erp = {"base_url": "http://127.0.0.1:9/odata/", "username": "okno", "password": ERP_PASSWORD}
        erp_config.set_erp_connection(session, "books", ErpConnectionIn.model_validate(erp), now=NOW)
        shop = ShopWebhookIn.model_validate({"url": "https://shop.example/hook", "secret": SHOP_SECRET})
        erp_config.set_shop_webhook(session, "books", shop, now=NOW)
        stripe = {"base_url": "http://127.0.0.1:9", "api_key": STRIPE_KEY, "webhook_secret": STRIPE_WEBHOOK}
        provider_setup.configure_payments(
            session, "books", "stripe", stripe, link_ttl_minutes=30, now=NOW, capabilities=runtime.capabilities
        )
        provider_setup.configure_courier(session, "books", "cdek", CDEK, now=NOW)


def raw_dump(engine: Engine) -> str:
    """Every row of every table, as the database holds it (what a stolen backup shows)."""
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        return "\n".join(
            repr(row) for table in tables for row in connection.execute(text(f'SELECT * FROM "{table}"')).all()
        )


def sealed_values(engine: Engine) -> dict[str, str]:
    queries = {
        "webhook_secret": "SELECT webhook_secret FROM integration_tenants",
        "previous_webhook_secret": "SELECT previous_webhook_secret FROM integration_tenants",
        "shop_secret": "SELECT secret FROM shop_webhook_endpoints",
        "erp_password": "SELECT password FROM erp_connections",
        "payment_settings": "SELECT settings FROM payment_setups",
        "courier_settings": "SELECT settings FROM courier_setups",
    }
    with engine.connect() as connection:
        return {name: connection.execute(text(query)).scalar_one() for name, query in queries.items()}


def test_no_stored_credential_is_readable_in_the_database_and_the_services_still_read_them(
    integrations: IntegrationsRuntime,
) -> None:
    store_every_kind_of_secret(integrations)
    dump = raw_dump(integrations.engine)
    assert "books" in dump  # the dump is real
    for secret in SECRETS:
        assert secret not in dump
    opened = {
        name: Fernet(TEST_KEY).decrypt(token.encode()).decode()
        for name, token in sealed_values(integrations.engine).items()
    }
    assert opened["previous_webhook_secret"] == WEBHOOK_SECRET and opened["erp_password"] == ERP_PASSWORD
    assert json.loads(opened["payment_settings"])["api_key"] == STRIPE_KEY
    with Session(integrations.engine) as session:
        tenant = tenants.get_tenant(session, "books")
        assert tenant.previous_webhook_secret == WEBHOOK_SECRET
        assert tenant.webhook_secret.startswith("whsec_") and tenant.webhook_secret != WEBHOOK_SECRET
        config, _ = provider_setup.payment_setup(session, "books", integrations.capabilities)
        assert config.model_dump()["webhook_secret"] == STRIPE_WEBHOOK
        assert provider_setup.courier_config(session, "books").model_dump()["client_secret"] == CDEK_SECRET


def test_no_answer_returns_a_secret_once_it_is_set(integrations: IntegrationsRuntime) -> None:
    with transaction(integrations.engine) as session:
        for slug in ("books", "teas"):
            tenants.add_tenant(session, slug=slug, name=slug, country="RU", now=NOW)
    with (
        live_server(integrations_app.create_app(integrations)) as url,
        httpx.Client(base_url=url, headers=ADMIN, timeout=30) as api,
    ):
        erp = {"base_url": "http://127.0.0.1:9/odata/", "username": "okno", "password": ERP_PASSWORD}
        answers = [api.put("/v1/tenants/books/erp", json=erp), api.get("/v1/tenants/books/erp")]
        hook = {"url": "https://shop.example/hook", "secret": SHOP_SECRET}
        answers += [api.put("/v1/tenants/books/shop-webhook", json=hook), api.get("/v1/tenants/books/shop-webhook")]
        answers.append(api.put("/v1/tenants/books/shop-webhook", json={"url": "https://shop.example/v2"}))
        for answer in answers:
            assert answer.status_code == 200, answer.text
            assert ERP_PASSWORD not in answer.text and SHOP_SECRET not in answer.text
            assert answer.json().get("secret") is None and "password" not in answer.json()

        # A secret Okno generates is shown once, in the answer that made it, and never again.
        generated = api.put("/v1/tenants/teas/shop-webhook", json={"url": "https://teas.example/hook"}).json()
        assert generated["secret"].startswith("whsec_")
        again = api.get("/v1/tenants/teas/shop-webhook")
        assert again.json()["secret"] is None and generated["secret"] not in again.text


SECRET_WORDS = ("secret", "password", "api_key", "token", "credential", "private")
# The only secrets an answer carries, each made for that very answer: login tokens, a short-lived sandbox
# ticket and softphone token, and a shop-webhook secret in the answer that generated it.
ANSWERED_ON_PURPOSE = {
    ("order_confirm", "TokenResponse", "access_token"),
    ("order_confirm", "TokenResponse", "refresh_token"),
    ("order_confirm", "TokenResponse", "token_type"),
}


def test_no_response_model_of_any_service_carries_a_stored_secret() -> None:
    root = Path(__file__).resolve().parents[2] / "contracts" / "openapi"
    found: set[tuple[str, str, str]] = set()
    for service in SERVICES:
        document = json.loads((root / f"{service}.json").read_text())
        schemas = document.get("components", {}).get("schemas", {})
        for name in _response_schemas(document, schemas):
            for field in schemas[name].get("properties", {}):
                if any(word in field.lower() for word in SECRET_WORDS):
                    found.add((service, name, field))
    allowed = ANSWERED_ON_PURPOSE | {
        ("integrations", "ShopWebhookOut", "secret"),
        ("notify", "SandboxTicket", "ticket"),
        ("order_confirm", "SandboxTicket", "ticket"),
        # The softphone's access token: minted per request (short TTL), never stored.
        ("notify", "AccessTokenView", "token"),
        ("order_confirm", "AccessTokenView", "token"),
    }
    assert found - allowed == set(), "a response model names a secret: is it ever read back from storage?"


def _response_schemas(document: dict[str, Any], schemas: dict[str, dict[str, Any]]) -> set[str]:
    """Names of the component schemas reachable from any response (not from request bodies)."""
    pending: list[object] = [
        response
        for path in document.get("paths", {}).values()
        for operation in path.values()
        if isinstance(operation, dict)
        for response in operation.get("responses", {}).values()
    ]
    seen: set[str] = set()
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in seen:
                    seen.add(name)
                    pending.append(schemas.get(name, {}))
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return seen


def _okno(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")} | env
    return subprocess.run([OKNO, *args], env=clean, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_rotate_key_reseals_everything_with_the_new_primary_key(integrations: IntegrationsRuntime) -> None:
    store_every_kind_of_secret(integrations)
    new = Fernet.generate_key().decode()
    url = integrations.settings.database_url
    rotated = _okno("secrets", "rotate-key", env={"OKNO_DATABASE_URL": url, "OKNO_SECRET_KEYS": f"{new},{TEST_KEY}"})
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert "integrations: 6 stored secrets re-sealed" in rotated.stdout
    for name, token in sealed_values(integrations.engine).items():
        assert Fernet(new).decrypt(token.encode()), name
        with pytest.raises(InvalidToken):
            Fernet(TEST_KEY).decrypt(token.encode())
    # The services, given the new key alone, read every secret.
    install("integrations", Keyring((new,), "OKNO_SECRET_KEYS"))
    with Session(integrations.engine) as session:
        assert tenants.get_tenant(session, "books").previous_webhook_secret == WEBHOOK_SECRET


def test_rotate_key_with_a_new_key_rewrites_okno_runs_key_file(
    integrations: IntegrationsRuntime, tmp_path: Path
) -> None:
    store_every_kind_of_secret(integrations)
    key_file = tmp_path / "okno-secret.key"
    key_file.write_text(TEST_KEY + "\n")
    env = {"OKNO_DATABASE_URL": integrations.settings.database_url, "OKNO_SECRET_KEY_FILE": str(key_file)}
    rotated = _okno("secrets", "rotate-key", "--new-key", env=env)
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    (new,) = key_file.read_text().split()
    assert new != TEST_KEY
    assert key_file.stat().st_mode & 0o777 == 0o600
    for token in sealed_values(integrations.engine).values():
        assert Fernet(new).decrypt(token.encode())


def test_integrations_refuses_to_start_without_a_key(sqlite_template: Path, tmp_path: Path) -> None:
    database = tmp_path / "okno.db"
    database.write_bytes(sqlite_template.read_bytes())
    served = _okno(
        "serve", "integrations", "--port", "9", env={"OKNO_DATABASE_URL": f"sqlite:///{database}"}, cwd=tmp_path
    )
    assert served.returncode == 1
    assert "OKNO_SECRET_KEYS" in served.stdout + served.stderr
    assert "Traceback" not in served.stdout + served.stderr
    with pytest.raises(Exception, match="OKNO_SECRET_KEYS"):
        integrations_wiring.build(
            IntegrationsSettings(
                database_url=f"sqlite:///{database}",
                redis_url=None,
                secret_keys="",
                secret_key_file=str(tmp_path / "none"),
            ),
            broker=StubBroker(),
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"okno_seal_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_migration_seals_existing_rows_and_its_downgrade_opens_them(unmigrated_url: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config("integrations", unmigrated_url)
    seal = next(
        r for r in ScriptDirectory.from_config(config).walk_revisions() if (r.doc or "").startswith("seal_secrets")
    )
    upgrade("integrations", unmigrated_url, str(seal.down_revision))
    engine = make_engine(unmigrated_url)
    settings = "CAST(:settings AS jsonb)" if is_postgres(unmigrated_url) else ":settings"
    with engine.begin() as connection:  # what a database made before this change holds: everything in clear
        connection.execute(
            text(
                "INSERT INTO integration_tenants (slug, name, country, webhook_secret, previous_webhook_secret, active,"
                " created_at) VALUES ('books', 'Books', 'RU', :secret, NULL, true, :now)"
            ),
            {"secret": WEBHOOK_SECRET, "now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO payment_setups (tenant, provider, settings, link_ttl_minutes, updated_at)"
                f" VALUES ('books', 'stripe', {settings}, 30, :now)"
            ),
            {"settings": json.dumps({"api_key": STRIPE_KEY, "webhook_secret": STRIPE_WEBHOOK}), "now": NOW},
        )
    try:
        upgrade("integrations", unmigrated_url)
        dump = raw_dump(engine)
        assert WEBHOOK_SECRET not in dump and STRIPE_KEY not in dump
        with engine.connect() as connection:
            token = connection.execute(text("SELECT settings FROM payment_setups")).scalar_one()
        assert json.loads(Fernet(TEST_KEY).decrypt(token.encode()))["api_key"] == STRIPE_KEY
        with Session(engine) as session:
            assert tenants.get_tenant(session, "books").webhook_secret == WEBHOOK_SECRET

        command.downgrade(config, str(seal.down_revision))
        dump = raw_dump(engine)
        assert WEBHOOK_SECRET in dump and STRIPE_KEY in dump
    finally:
        engine.dispose()
