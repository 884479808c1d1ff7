"""Fixtures: every DB test runs on SQLite and on the real PostgreSQL; messaging uses the real Redis.

Each test run creates its own PostgreSQL database and drops it at the end, and each test uses its own
Redis key namespace, so runs (and xdist workers) never see each other's data.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from redis import Redis

# The run's key for sealed columns, set before any settings are read (subprocesses inherit it), as a
# deployment sets OKNO_SECRET_KEYS. Tests that rotate keys use keys of their own.
os.environ.setdefault("OKNO_SECRET_KEYS", "dGVzdC1rZXktb2Ytb2tuby10ZXN0LXJ1bnMtMDAwMDA=")

from hypothesis import settings as hypothesis_settings

from okno.embedded import Okno, build_okno
from services.common.db import normalize_url
from services.common.migrations import SERVICES, upgrade
from services.integrations.models import metadata as integrations_metadata
from services.notify.models import metadata as notify_metadata
from services.order_confirm.models import metadata as order_confirm_metadata
from tests.support import FrozenClock, sqlite_copy


def pytest_configure(config: pytest.Config) -> None:
    # xdist hands out files by their number of tests unless told otherwise: the one-test files that start a
    # whole `okno run` or a private PostgreSQL went last and ran alone at the end. The order of
    # pytest_collection_modifyitems below (slow files first) is the one it should follow.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    # Only the controller of a parallel whole run takes a slot (see tests/suite_slots.py).
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        from tests.suite_slots import take_suite_slot

        take_suite_slot()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files with slow tests (Chromium, subprocesses, restarts) first, each file's tests kept together.
    `--dist loadfile` hands files to the workers in this order: a slow file left to the end runs alone on one
    worker while the other has finished, and the run takes that long longer."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow") or item.get_closest_marker("browser")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: the order within each group is kept


# Property tests check rules, not speed: Hypothesis's default 200 ms deadline per example turns a loaded
# machine into a failure (a pure routing-rules test failed so under `-n 2` at load 11).
hypothesis_settings.register_profile("okno", deadline=None)
hypothesis_settings.load_profile("okno")

PG_URL = os.environ.get("OKNO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("OKNO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ALL_METADATA = (order_confirm_metadata, integrations_metadata, notify_metadata)


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(PG_URL, autocommit=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test run (and xdist worker), migrated once, dropped at the end."""
    name = f"okno_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    for service in SERVICES:
        upgrade(service, url)
    yield url
    with _admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Empties every table the migrations made (the version tables excepted), whatever the models say, and
# restarts the used sequences, in one round trip. Not TRUNCATE: truncating ~90 tables gives each a new file
# and costs 0.3 s on an idle machine and 3 s on a busy one, per test; deleting the few rows a test wrote
# costs milliseconds. Foreign keys and triggers are off for the deletes (session_replication_role), so the
# order of the tables does not matter and no trigger reacts to the cleanup.
_EMPTY_EVERY_TABLE = """
DO $$
DECLARE
  found record;
  has_rows boolean;
BEGIN
  SET LOCAL session_replication_role = replica;
  FOR found IN SELECT tablename FROM pg_tables
               WHERE schemaname = 'public' AND tablename NOT LIKE 'alembic_version%' LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', found.tablename) INTO has_rows;
    IF has_rows THEN
      EXECUTE format('DELETE FROM %I', found.tablename);
    END IF;
  END LOOP;
  FOR found IN SELECT sequencename, start_value FROM pg_sequences
               WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
    PERFORM setval(format('%I', found.sequencename)::regclass, found.start_value, false);
  END LOOP;
END $$
"""


def _truncate_postgres(url: str) -> None:
    """Empty every table of the run's database and restart its sequences (ids start at 1 again)."""
    with psycopg.connect(normalize_url(url).replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(_EMPTY_EVERY_TABLE)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run; each test gets a copy (migrating per test costs seconds)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "okno.db"
    url = f"sqlite:///{path}"
    for service in SERVICES:
        upgrade(service, url)
    with sqlite3.connect(path) as connection:  # fold the WAL into the file so one copy holds everything
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database: a SQLite file, or the run's PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    postgres: str = request.getfixturevalue("postgres_url")
    _truncate_postgres(postgres)
    return postgres


@pytest.fixture
def postgres_database_url(postgres_url: str) -> str:
    """The run's PostgreSQL database, emptied: for tests of what only PostgreSQL does (row locks under load)."""
    _truncate_postgres(postgres_url)
    return postgres_url


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
def broker_namespace(redis_url: str) -> Iterator[str]:
    namespace = f"okno-test-{uuid.uuid4().hex[:10]}"
    yield namespace
    client = Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def okno(database_url: str, redis_url: str, broker_namespace: str) -> Iterator[Okno]:
    """All three services on the test database and the real Redis broker, with worker threads running."""
    instance = build_okno(
        database_url=database_url, redis_url=redis_url, broker_namespace=broker_namespace, migrate=False, sandbox=True
    )
    instance.start_background(scheduler=False, worker=True)
    yield instance
    instance.stop()
    for runtime in instance.runtimes:
        runtime.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 at production cost takes ~50 ms a hash; tests log in hundreds of times. Same algorithm, low cost."""
    from argon2 import PasswordHasher

    from services.order_confirm.security import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = production


def is_postgres(url: str) -> bool:
    return normalize_url(url).startswith("postgresql")
