"""A tenant's telephony settings as the webhooks read them: kept per process for a few seconds.

Every webhook of a call reads them (the queue loop, the `<Dial action>`, the wake-ups: bench.inbound's 200
callers made ~2 000 reads of a row an admin changes a few times a day), and each read was a statement plus a
validation of the whole document. The projection forgets a tenant's entry, kept through any engine of the
process (the runtime's sync engine, or an event loop's async engine), when it applies their settings; a change applied
elsewhere (the worker process consuming `telephony.settings_changed`) is seen within `SETTINGS_TTL_SECONDS`.
A tenant without settings is never kept: their first settings apply at once.
"""

from __future__ import annotations

import threading
import weakref
from time import monotonic

from sqlalchemy import Engine, event
from sqlmodel import Session

from contracts.telephony import TelephonySettingsChanged
from services.notify.telephony.models import VoiceTenant

SETTINGS_TTL_SECONDS = 5.0
# Per engine (several databases may share a process: tests, `okno run`; a test database emptied and reused
# comes with a new engine), tenant -> (monotonic expiry, settings); the models are frozen, so shared safely.
_kept: weakref.WeakKeyDictionary[Engine, dict[str, tuple[float, TelephonySettingsChanged]]] = (
    weakref.WeakKeyDictionary()
)
_kept_lock = threading.Lock()


def tenant_settings(session: Session, tenant_id: str) -> TelephonySettingsChanged | None:
    engine = session.get_bind().engine
    settings = kept(engine, tenant_id)
    if settings is not None:
        return settings
    row = session.get(VoiceTenant, tenant_id)
    if row is None:
        return None
    return keep(engine, tenant_id, TelephonySettingsChanged.model_validate(row.settings))


def kept(engine: Engine, tenant_id: str) -> TelephonySettingsChanged | None:
    """The tenant's settings if read through `engine` less than `SETTINGS_TTL_SECONDS` ago (the inbound hot path
    reads them itself, on asyncpg, and keeps them under its runtime's sync engine)."""
    with _kept_lock:
        entry = _kept.get(engine, {}).get(tenant_id)
    return entry[1] if entry is not None and monotonic() < entry[0] else None


def keep(engine: Engine, tenant_id: str, settings: TelephonySettingsChanged) -> TelephonySettingsChanged:
    with _kept_lock:
        _kept.setdefault(engine, {})[tenant_id] = (monotonic() + SETTINGS_TTL_SECONDS, settings)
    return settings


def forget(session: Session, tenant_id: str) -> None:
    """The tenant's settings change in this transaction: dropped now and again at its commit (a webhook may
    read and keep the old row in between)."""
    _drop(tenant_id)
    event.listen(session, "after_commit", lambda _committed: _drop(tenant_id), once=True)


def _drop(tenant_id: str) -> None:
    # From every engine's entries: a reader on an event loop's async engine (its own sync facade, one per
    # loop) keeps its copy apart from the projection's sync engine, same database.
    with _kept_lock:
        for kept in _kept.values():
            kept.pop(tenant_id, None)
