"""One person, one line: an operator with a call under way, or an inbound call ringing them, cannot start
another; two simultaneous starts for one operator give one call and one `line_busy`."""

from __future__ import annotations

import threading
import uuid

import httpx

from services.common.db import transaction
from services.notify.telephony.models import VoiceCall, VoiceCallOffer, VoicePresence
from tests.notify.outbound.support import CALLS, SERVICE, OutboundDesk
from tests.support import live_server


def _ringing_inbound_offer(desk: OutboundDesk, operator_id: int) -> str:
    now = desk.clock()
    call_id = str(uuid.uuid4())
    with transaction(desk.runtime.engine) as session:
        session.add(
            VoiceCall(
                id=call_id, tenant_id="shop", direction="inbound", state="ringing", offered_at=now, updated_at=now
            )
        )
        session.flush()
        session.add(
            VoiceCallOffer(call_id=call_id, tenant_id="shop", operator_id=operator_id, role="owner", offered_at=now)
        )
    return call_id


def test_an_inbound_call_ringing_the_operator_keeps_their_line_busy(desk: OutboundDesk) -> None:
    desk.tenant()
    _ringing_inbound_offer(desk, operator_id=7)

    busy = desk.start(operator_id=7)

    assert busy.status_code == 409
    assert busy.json()["code"] == "line_busy"


def test_two_simultaneous_starts_for_one_operator_make_one_call(desk: OutboundDesk) -> None:
    desk.tenant()
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(2)

    with live_server(desk.http.app) as url:

        def start(attempt_id: int) -> None:
            body = {"operator_id": 7, "attempt_id": attempt_id, "order_id": 1, "customer_id": 1, "to": "+79161234567"}
            barrier.wait()
            answers.append(httpx.post(url + CALLS, json=body, headers=SERVICE, timeout=30))

        threads = [threading.Thread(target=start, args=(attempt,)) for attempt in (21, 22)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(answer.status_code for answer in answers) == [201, 409]
    assert len({str(fact.call_id) for fact in desk.facts()}) == 1


def test_the_end_of_a_call_makes_the_operator_the_idlest_no_more(desk: OutboundDesk) -> None:
    desk.tenant()
    with transaction(desk.runtime.engine) as session:
        session.add(
            VoicePresence(
                tenant_id="shop", operator_id=7, status="available", display_name="Anna", updated_at=desk.clock()
            )
        )
    call_id = desk.start().json()["call"]["call_id"]
    ended_at = desk.clock.advance(seconds=5)

    desk.hang_up(call_id)

    with transaction(desk.runtime.engine) as session:
        presence = session.get(VoicePresence, ("shop", 7))
        assert presence is not None and presence.last_call_ended_at == ended_at
        assert session.get(VoiceCall, call_id) is not None
