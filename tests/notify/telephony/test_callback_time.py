"""Both directions' status callbacks read Twilio's `Timestamp` through one function; the inbound reader had
its own copy without the "-0000" handling the outbound one gained (a naive time, then a comparison error)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from services.notify.telephony.callback_events import callback_time
from services.notify.telephony.inbound.callbacks import status_callback
from services.notify.telephony.outbound.legs import leg_status

ARRIVED = datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC)


def test_twilios_timestamp_is_the_callbacks_time_in_both_directions() -> None:
    utc_unstated = {"CallSid": "CA1", "CallStatus": "completed", "Timestamp": "Mon, 23 Nov 2026 09:00:12 -0000"}
    assert status_callback(utc_unstated, ARRIVED).at == datetime(2026, 11, 23, 9, 0, 12, tzinfo=UTC)
    assert leg_status(utc_unstated, ARRIVED).at == datetime(2026, 11, 23, 9, 0, 12, tzinfo=UTC)
    moscow = callback_time({"Timestamp": "Mon, 23 Nov 2026 12:00:12 +0300"}, ARRIVED)
    assert moscow == datetime(2026, 11, 23, 12, 0, 12, tzinfo=timezone(timedelta(hours=3)))
    assert callback_time({"Timestamp": "yesterday"}, ARRIVED) == ARRIVED, "unreadable: when it arrived"
    assert callback_time({}, ARRIVED) == ARRIVED
