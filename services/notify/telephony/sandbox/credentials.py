"""The sandbox's own Twilio-shaped credentials, random per installation and kept in notify's database.

The simulator signs its webhooks with `auth_token` and notify checks them exactly as Twilio's; sandbox access
tokens are signed with `api_key_secret`, sandbox page tickets with `ticket_secret`. None of them is a public
constant, so nobody can forge a sandbox webhook, token or ticket for someone else's installation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Field, Session

from services.common.clock import utc_now
from services.common.encryption import sealed_field
from services.common.types import utc_field
from services.notify.tables import NotifyModel

ROW_ID = 1
SERVICE = "notify"
log = structlog.get_logger(__name__)


class SandboxCredentialsRow(NotifyModel, table=True):
    __tablename__ = "notify_sandbox_credentials"

    id: int = Field(primary_key=True)
    account_sid: str = Field(max_length=34)
    auth_token: str = sealed_field(SERVICE)  # sealed at rest (services/common/encryption)
    api_key_sid: str = Field(max_length=34)
    api_key_secret: str = sealed_field(SERVICE)
    ticket_secret: str = sealed_field(SERVICE)
    created_at: datetime = utc_field()


@dataclass(frozen=True)
class SandboxCredentials:
    account_sid: str
    auth_token: str
    api_key_sid: str
    api_key_secret: str
    ticket_secret: str


_loaded: WeakKeyDictionary[Engine, SandboxCredentials] = WeakKeyDictionary()


def sandbox_credentials(engine: Engine) -> SandboxCredentials:
    """This installation's credentials, created on first use (two processes starting at once agree on one)."""
    known = _loaded.get(engine)
    if known is not None:
        return known
    with Session(engine) as session:
        row = session.get(SandboxCredentialsRow, ROW_ID)
        if row is None:
            session.add(_new_row())
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
            row = session.get(SandboxCredentialsRow, ROW_ID)
        assert row is not None
        credentials = SandboxCredentials(
            row.account_sid, row.auth_token, row.api_key_sid, row.api_key_secret, row.ticket_secret
        )
    _loaded[engine] = credentials
    return credentials


def warm_up(engine: Engine) -> None:
    """Load (or create) the credentials at start-up. On SQLite a first use inside a request's transaction would
    open a second transaction in the same thread and wait for itself; after this it is a dictionary read."""
    try:
        sandbox_credentials(engine)
    except (OperationalError, ProgrammingError):  # no table yet (`okno migrate` not run): loaded on first use
        log.warning("sandbox.credentials_not_loaded", hint="run the notify migrations")


def _new_row() -> SandboxCredentialsRow:
    return SandboxCredentialsRow(
        id=ROW_ID,
        account_sid="AC" + secrets.token_hex(16),
        auth_token=secrets.token_hex(32),
        api_key_sid="SK" + secrets.token_hex(16),
        api_key_secret=secrets.token_hex(32),
        ticket_secret=secrets.token_hex(32),
        created_at=utc_now(),
    )
