"""Secrets at rest: columns that hold credentials are sealed with Fernet (cryptography's MultiFernet).

A sealed column stores `Fernet(primary key).encrypt(value)` and is opened with any of the configured keys,
so keys rotate without downtime: put the new key first in `OKNO_SECRET_KEYS` (comma-separated, newest
first) everywhere, run `okno secrets rotate-key` (every sealed value re-sealed with the new key), then drop
the old key. Without `OKNO_SECRET_KEYS` the keys are read from `OKNO_SECRET_KEY_FILE` (one a line) if that
file exists; `okno run` creates it on first start. A service that holds secrets refuses to start with
neither (`SecretKeysMissing`): a database of readable credentials is what this module exists to prevent.

The column types read the keyring of their service from a process-wide registry: runtimes install theirs
at start-up; a command-line tool that never built a runtime gets it from the environment on first use.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine, Text, TypeDecorator
from sqlalchemy.engine import Dialect

from services.common.secret_keys import KEYS_VARIABLE, parse_keys
from services.common.settings import ServiceSettings


class SecretKeysMissing(RuntimeError):
    """No key to seal or open secrets with: the service must not start (or the tool must not go on)."""


class SecretUnreadable(RuntimeError):
    """A sealed value none of the configured keys opens (a key was dropped before `okno secrets rotate-key`)."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[str, ...]  # Fernet keys, the primary (used to seal) first
    source: str  # where they came from, for messages (never the keys themselves)
    _fernet: MultiFernet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("a keyring needs at least one key")
        object.__setattr__(self, "_fernet", MultiFernet([Fernet(key) for key in self.keys]))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeEncodeError):
            raise SecretUnreadable(f"a sealed value opens with none of the keys from {self.source}") from None

    def reseal(self, token: str) -> str:
        """The same secret sealed with the primary key (what `okno secrets rotate-key` does to every value)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError):
            raise SecretUnreadable(f"a sealed value opens with none of the keys from {self.source}") from None


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def keyring_from_settings(settings: ServiceSettings) -> Keyring | None:
    configured = settings.secret_keys.get_secret_value()
    if configured.strip():
        return Keyring(parse_keys(configured, source=KEYS_VARIABLE), KEYS_VARIABLE)
    path = Path(settings.secret_key_file)
    if settings.secret_key_file and path.is_file():
        keys = parse_keys(path.read_text(encoding="ascii"), source=str(path))
        return Keyring(keys, str(path)) if keys else None
    return None


def ensure_key_file(path: Path) -> Path:
    """`okno run`: a local key file, made once (owner-only) and kept beside the SQLite file."""
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(new_key() + "\n")
    return path


def write_key_file(path: Path, keys: Iterable[str]) -> None:
    """Replace the key file's keys in one step (a temporary file renamed over it)."""
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write("".join(f"{key}\n" for key in keys))
    temporary.replace(path)


# --- the registry the column types read -------------------------------------------------------------------

_lock = threading.Lock()
_installed: dict[str, Keyring] = {}


def install(service: str, keyring: Keyring) -> None:
    with _lock:
        _installed[service] = keyring


def keyring_for(service: str) -> Keyring:
    with _lock:
        found = _installed.get(service)
    if found is not None:
        return found
    keyring = keyring_from_settings(_environment_settings(service))
    if keyring is None:
        raise SecretKeysMissing(missing_message(service))
    install(service, keyring)
    return keyring


def require_keys(service: str, settings: ServiceSettings) -> None:
    """A service that holds secrets refuses to start without keys of its own settings (installed by its runtime)."""
    if keyring_from_settings(settings) is None:
        raise SecretKeysMissing(missing_message(service))


def missing_message(service: str) -> str:
    return (
        f"{service} keeps credentials encrypted and has no key: set {KEYS_VARIABLE} "
        f"(or OKNO_{service.upper()}_SECRET_KEYS) to a key from `okno secrets new-key`"
    )


def _environment_settings(service: str) -> ServiceSettings:
    from pydantic_settings import SettingsConfigDict

    class _Settings(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix=f"OKNO_{service.upper()}_", extra="ignore")

    return _Settings()


# --- column types -------------------------------------------------------------------------------------------


class Sealed(TypeDecorator[str]):
    """A string column stored sealed; reads and writes through the ORM or Core see the plain value."""

    impl = Text
    cache_ok = True

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring_for(self.service).seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring_for(self.service).open(value)


class SealedJSON(TypeDecorator[Any]):
    """A JSON document (provider settings with keys in them) stored sealed as a whole."""

    impl = Text
    cache_ok = True

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_for(self.service).seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(keyring_for(self.service).open(value))


def sealed_columns(tables: Iterable[Any]) -> list[tuple[Any, Any]]:
    """(table, column) of every sealed column of these SQLAlchemy tables."""
    return [
        (table, column) for table in tables for column in table.columns if isinstance(column.type, Sealed | SealedJSON)
    ]


def sealed_field(service: str, *, nullable: bool = False, **kwargs: Any) -> Any:
    """A sealed string column: `password: str = sealed_field("integrations")`."""
    from sqlmodel import Field

    return Field(sa_type=Sealed(service), nullable=nullable, **kwargs)


def sealed_json_field(service: str, **kwargs: Any) -> Any:
    from sqlmodel import Field

    return Field(sa_type=SealedJSON(service), nullable=False, **kwargs)


def reseal_all(engine: Engine, tables: Iterable[Any], keyring: Keyring) -> int:
    """Re-seal every sealed value of these tables with the keyring's primary key; how many values it re-sealed.

    Row by row under a row lock (PostgreSQL), so a service writing a secret meanwhile is not overwritten with a
    stale value; the running services must already hold the new key (first) and the old ones.
    """
    resealed = 0
    for table, column in sealed_columns(tables):
        raw = sa.table(table.name, sa.column("id", sa.Integer()), sa.column(column.name, Text()))
        value = raw.c[column.name]
        with engine.begin() as connection:
            rows = connection.execute(sa.select(raw.c.id, value).where(value.is_not(None)).with_for_update()).all()
            for row_id, token in rows:
                connection.execute(raw.update().where(raw.c.id == row_id).values({column.name: keyring.reseal(token)}))
                resealed += 1
    return resealed
