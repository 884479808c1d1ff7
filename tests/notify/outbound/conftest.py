from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.twilio import FakeTwilio
from tests.notify.outbound.support import OutboundDesk, outbound_desk
from tests.support import FrozenClock, live_server


@pytest.fixture(scope="module")
def twilio_server() -> Iterator[tuple[FakeTwilio, str]]:
    twilio = FakeTwilio()
    with live_server(twilio.app) as url:
        yield twilio, url


@pytest.fixture
def desk(database_url: str, twilio_server: tuple[FakeTwilio, str], clock: FrozenClock) -> Iterator[OutboundDesk]:
    twilio, url = twilio_server
    for kept in (twilio.calls, twilio.messages, twilio.failures, twilio.updates):
        kept.clear()
    twilio.legs.clear()
    with outbound_desk(database_url, twilio, url, clock) as instance:
        yield instance
