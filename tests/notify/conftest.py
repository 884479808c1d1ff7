from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.twilio import FakeTwilio
from tests.notify.survey_support import SurveyDesk, survey_desk
from tests.support import FrozenClock, live_server


@pytest.fixture(scope="module")
def twilio_server() -> Iterator[tuple[FakeTwilio, str]]:
    twilio = FakeTwilio()
    with live_server(twilio.app) as url:
        yield twilio, url


@pytest.fixture
def desk(database_url: str, twilio_server: tuple[FakeTwilio, str], clock: FrozenClock) -> Iterator[SurveyDesk]:
    twilio, url = twilio_server
    twilio.calls.clear()
    twilio.messages.clear()
    twilio.failures.clear()
    with survey_desk(database_url, twilio, url, clock) as instance:
        yield instance
