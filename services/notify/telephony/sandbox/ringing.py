"""What the sandbox's legs tell the operators' softphones (event streams) and the recording callback.

Each registered softphone (an open `GET …/events` stream of an identity) has a queue here; a leg that rings
an identity with no open stream keeps ringing until its `<Dial timeout>` (as Twilio rings an unregistered
client out) and is offered to a stream that opens meanwhile, so a reloaded console still gets the call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import anyio
import structlog

from contracts.http.softphone import SoftphoneError, SoftphoneEvent, SoftphoneEventName
from services.notify.telephony.sandbox.legs import Leg, new_sid
from services.notify.telephony.sandbox.recordings import keep_recording
from services.notify.telephony.sandbox.wire import WebhookFailed, Wire

log = structlog.get_logger(__name__)
RingOut = Callable[[str], Coroutine[Any, Any, None]]
RECORDINGS_PATH = "/sandbox/twilio/2010-04-01/Accounts/{account}/Recordings/{sid}"


class Ringing:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.legs: dict[str, Leg] = {}
        self.streams: dict[str, set[asyncio.Queue[SoftphoneEvent]]] = {}

    # --- softphone streams ----------------------------------------------------------------------------------

    def subscribe(self, identity: str) -> asyncio.Queue[SoftphoneEvent]:
        queue: asyncio.Queue[SoftphoneEvent] = asyncio.Queue()
        self.streams.setdefault(identity, set()).add(queue)
        queue.put_nowait(SoftphoneEvent(event="registered", identity=identity))
        for leg in self.legs.values():  # calls already ringing for this identity ring here too
            if leg.identity == identity and leg.direction == "incoming" and leg.status == "ringing":
                queue.put_nowait(SoftphoneEvent(event="incoming", call=leg.view()))
        return queue

    def unsubscribe(self, identity: str, queue: asyncio.Queue[SoftphoneEvent]) -> None:
        queues = self.streams.get(identity, set())
        queues.discard(queue)
        if not queues:
            self.streams.pop(identity, None)

    def registered(self, identity: str) -> bool:
        return bool(self.streams.get(identity))

    def tell(self, leg: Leg, event: SoftphoneEventName, error: SoftphoneError | None = None) -> None:
        if leg.holder != "softphone" or leg.identity is None:
            return
        for queue in self.streams.get(leg.identity, set()):
            queue.put_nowait(SoftphoneEvent(event=event, call=leg.view(), error=error))

    # --- leg changes both ends hear about ------------------------------------------------------------------

    async def ring(self, caller: Leg, child: Leg, timeout: int, ring_out: RingOut) -> None:
        loop = asyncio.get_running_loop()
        child.ring_timer = loop.call_later(timeout, lambda: loop.create_task(ring_out(child.sid)))
        self.tell(child, "incoming")
        if child.holder == "phone":
            self.tell(caller, "ringing")  # an outgoing call: the customer's phone rings
        else:
            caller.heard.append("ringing…")

    def stop_ringing(self, leg: Leg) -> None:
        if leg.ring_timer is not None:
            leg.ring_timer.cancel()
            leg.ring_timer = None

    async def bridged(self, caller: Leg, child: Leg) -> None:
        now = time.monotonic()
        child.answered_at = child.answered_at or now
        caller.answered_at = caller.answered_at or now
        caller.status = "in-progress"
        child.status = "in-progress"
        for leg in (caller, child):
            self.tell(leg, "accept")
            if leg.holder == "phone":
                leg.heard.append("connected")

    async def unbridged(self, caller: Leg) -> None:
        caller.heard.append("the other party left the call")

    async def notify_over(self, leg: Leg) -> None:
        if leg.holder == "softphone":
            was_ringing = leg.direction == "incoming" and leg.answered_at is None
            self.tell(leg, "cancel" if was_ringing else "disconnect")
        else:
            leg.heard.append("☎ call ended")

    async def notify_error(self, leg: Leg, code: int, message: str) -> None:
        self.tell(leg, "error", SoftphoneError(code=code, message=message))

    async def post_recording(self, caller: Leg, url: str, duration: int) -> None:
        """The recording of a bridged segment is ready, as Twilio reports it (`recordingStatusCallback`)."""
        sid = new_sid("RE")
        # Kept before it is reported, as at Twilio: notify then streams it from the sandbox's media endpoint.
        engine = self.wire.app.state.runtime.engine
        await anyio.to_thread.run_sync(keep_recording, engine, sid, caller.sid, duration)
        started = datetime.now(UTC).timestamp() - duration
        fields = {
            **caller.twilio_fields(),
            "RecordingSid": sid,
            "RecordingStatus": "completed",
            "RecordingDuration": str(duration),
            "RecordingChannels": "2",
            "RecordingSource": "DialVerb",
            "RecordingStartTime": datetime.fromtimestamp(started, UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
            "RecordingUrl": self.wire.url(RECORDINGS_PATH.format(account=self.wire.account_sid, sid=sid)),
        }
        try:
            await self.wire.post(url, fields)
        except WebhookFailed as error:
            log.warning("sandbox.recording_callback_failed", call_sid=caller.sid, error=str(error))
            caller.heard.append("(the recording callback failed: see notify's log)")
