"""The tenant's telephony settings as webhooks read them: kept a few seconds per process, forgotten when the
projection applies new ones here, and a change written by another process seen once they expire."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest
from sqlmodel import Session

from contracts.routing import MessageType
from contracts.telephony import TelephonySettingsChanged
from services.common.db import transaction
from services.common.request_sessions import async_session
from services.notify.runtime import NotifyRuntime
from services.notify.telephony import tenant_settings
from services.notify.telephony.models import VoiceTenant
from tests.notify.telephony.support import TENANT, deliver, notify_runtime
from tests.support import FrozenClock, run_coroutine


class Monotonic:
    """The cache's clock, moved by the test (no sleeps)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> Monotonic:
    clock = Monotonic()
    monkeypatch.setattr(tenant_settings, "monotonic", clock)
    return clock


@pytest.fixture
def notify(database_url: str, clock: FrozenClock, monotonic: Monotonic) -> Iterator[NotifyRuntime]:
    with notify_runtime(database_url, clock) as runtime:
        yield runtime


def apply(runtime: NotifyRuntime, revision: int, language: str) -> None:
    payload = TelephonySettingsChanged(revision=revision, language=language, changed_at=runtime.clock())
    deliver(runtime, MessageType.TELEPHONY_SETTINGS_CHANGED, payload)


def read(runtime: NotifyRuntime) -> str | None:
    with Session(runtime.engine) as session:
        settings = tenant_settings.tenant_settings(session, TENANT)
    return settings.language if settings is not None else None


def test_settings_applied_in_this_process_are_read_at_once(notify: NotifyRuntime) -> None:
    assert read(notify) is None  # none yet: not kept, so the first settings count at once
    apply(notify, 1, "ru")
    assert read(notify) == "ru"
    apply(notify, 2, "en")
    assert read(notify) == "en"


def test_a_change_written_elsewhere_is_read_once_the_kept_copy_expires(
    notify: NotifyRuntime, monotonic: Monotonic
) -> None:
    apply(notify, 1, "ru")
    assert read(notify) == "ru"
    with transaction(notify.engine) as session:  # the worker process applied revision 2
        row = session.get(VoiceTenant, TENANT)
        assert row is not None
        row.settings = {**row.settings, "revision": 2, "language": "en"}
        session.add(row)
    assert read(notify) == "ru"  # kept
    monotonic.now += tenant_settings.SETTINGS_TTL_SECONDS
    assert read(notify) == "en"


def test_settings_applied_here_are_read_at_once_through_the_webhooks_async_engine(notify: NotifyRuntime) -> None:
    """A reader on the loop's async engine (its own sync facade) while the projection writes through the
    runtime's engine: a change applied here is not kept stale for it."""

    async def read_async() -> str | None:
        async with async_session(notify) as session:
            settings = await session.run_sync(lambda sync: tenant_settings.tenant_settings(cast(Session, sync), TENANT))
        return settings.language if settings is not None else None

    async def webhooks() -> list[str | None]:  # one event loop: one async engine, as in a server process
        apply(notify, 1, "ru")
        first = await read_async()
        apply(notify, 2, "en")
        return [first, await read_async()]

    assert run_coroutine(webhooks()) == ["ru", "en"]
