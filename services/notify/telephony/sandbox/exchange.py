"""The sandbox's voice exchange: runs calls between simulated phones and softphones the way Twilio does.

Every step a call takes is a signed webhook to notify's own TwiML endpoints (`Wire`) and the TwiML they answer
decides what happens next, so notify's routing, facts and recordings run exactly as in production:
- a softphone's `connect` starts a leg that fetches the TwiML App voice URL (`/twilio/voice/outbound`);
- the simulator's "dial the shop" starts a leg that fetches the number's voice URL (`/twilio/voice/inbound`);
- `<Dial><Number>` rings the simulated customer phone, `<Dial><Client>` the operator's registered softphone;
- answer, reject, hang-up and ring-out become the dialled leg's status callbacks, the `<Dial action>` request
  (whose TwiML the caller's leg runs next), the recording callback and the caller's own status callback.
All changes run under one lock on the event loop: a sandbox carries a handful of calls, order matters more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from services.notify.telephony.sandbox.legs import Leg, new_sid
from services.notify.telephony.sandbox.ringing import Ringing
from services.notify.telephony.sandbox.twiml_document import (
    DialVerb,
    EnqueueVerb,
    GatherVerb,
    HangupVerb,
    Paused,
    Played,
    RedirectVerb,
    Said,
    UnsupportedVerb,
    Verb,
    parse,
)
from services.notify.telephony.sandbox.wire import WebhookFailed, Wire

OUTBOUND_VOICE_PATH = "/twilio/voice/outbound"  # the TwiML App's voice URL
INBOUND_VOICE_PATH = "/twilio/voice/inbound"  # the shop number's voice URL
CALL_STATUS_PATH = "/twilio/voice/status"  # the number's and the TwiML App's status callback
SANDBOX_APPLICATION_SID = "APsandbox"

log = structlog.get_logger(__name__)


class LegNotFound(LookupError):
    pass


class Exchange(Ringing):
    def __init__(self, wire: Wire, number_tenant: Callable[[str], Awaitable[str | None]]) -> None:
        super().__init__(wire)
        self.number_tenant = number_tenant
        self.lock = asyncio.Lock()
        self.loop = asyncio.get_running_loop()

    # --- what a softphone does ------------------------------------------------------------------------------

    async def connect(self, identity: str, params: dict[str, str]) -> Leg:
        """`Device.connect({params})`: a leg from the operator's client to the TwiML App."""
        client = f"client:{identity}"
        leg = Leg(new_sid(), "softphone", "outgoing", client, "", identity=identity, status="in-progress")
        leg.custom_parameters = dict(params)
        async with self.lock:
            self.legs[leg.sid] = leg
            extra = {"ApplicationSid": SANDBOX_APPLICATION_SID, **params}
            await self._fetch(leg, self.wire.url(OUTBOUND_VOICE_PATH), extra)
        return leg

    async def accept(self, identity: str, sid: str) -> None:
        async with self.lock:
            leg = self._softphone_leg(identity, sid)
            if leg.direction == "incoming" and leg.status == "ringing":
                await self._answered(leg)

    async def reject(self, identity: str, sid: str) -> None:
        async with self.lock:
            leg = self._softphone_leg(identity, sid)
            if leg.direction == "incoming" and leg.status == "ringing":
                await self._dialled_leg_ended(leg, "busy")  # Twilio reports a rejected client call as busy

    async def disconnect(self, identity: str, sid: str) -> None:
        async with self.lock:
            await self._hang_up(self._softphone_leg(identity, sid))

    async def send_digits(self, identity: str, sid: str, digits: str) -> None:
        async with self.lock:
            leg = self._softphone_leg(identity, sid)
            peer = self.legs.get(leg.child or leg.parent or "")
            if peer is not None and peer.holder == "phone":
                peer.heard.append(f"tones: {digits}")  # the customer hears the operator's keys

    # --- what a simulated phone does ----------------------------------------------------------------------

    async def dial_in(self, tenant: str, caller: str, shop_number: str) -> Leg:
        leg = Leg(new_sid(), "phone", "outgoing", caller, shop_number, tenant=tenant, status="ringing")
        async with self.lock:
            self.legs[leg.sid] = leg
            # Twilio asks the number's voice URL while the call rings, then answers it to run the document.
            await self._fetch(leg, self.wire.url(INBOUND_VOICE_PATH), {}, then_status="in-progress")
        return leg

    async def answer_phone(self, tenant: str, sid: str) -> None:
        async with self.lock:
            leg = self.phone_leg(tenant, sid)
            if leg.direction == "incoming" and leg.status == "ringing":
                await self._answered(leg)

    async def decline_phone(self, tenant: str, sid: str, status: str) -> None:
        async with self.lock:
            leg = self.phone_leg(tenant, sid)
            if leg.direction == "incoming" and leg.status == "ringing":
                await self._dialled_leg_ended(leg, status)

    async def press(self, tenant: str, sid: str, digits: str) -> None:
        async with self.lock:
            leg = self.phone_leg(tenant, sid)
            if leg.gather is not None and not leg.over:
                action, leg.gather, leg.pending = leg.gather.action, None, []
                await self._fetch(leg, action, {"Digits": digits})

    async def silence(self, tenant: str, sid: str) -> None:
        """The caller says nothing: the <Gather> times out, or the music ends; the document goes on."""
        async with self.lock:
            leg = self.phone_leg(tenant, sid)
            if not leg.over and leg.dial is None and leg.queue is None:
                leg.gather, pending, leg.pending = None, leg.pending, []
                await self._run(leg, pending)

    async def hang_up_phone(self, tenant: str, sid: str) -> None:
        async with self.lock:
            await self._hang_up(self.phone_leg(tenant, sid))

    # --- what Twilio's REST API does (CallControl) -----------------------------------------------------------

    async def redirect(self, sid: str, url: str) -> None:
        """`calls(sid).update(url=…)`: the leg leaves its bridge or queue and runs the document at `url`."""
        async with self.lock:
            leg = self.legs.get(sid)
            if leg is None or leg.over:
                return
            await self._detach(leg)
            await self._fetch(leg, url, {})

    async def end(self, sid: str) -> None:
        """`calls(sid).update(status="completed")`."""
        async with self.lock:
            leg = self.legs.get(sid)
            if leg is not None and not leg.over:
                await self._hang_up(leg)

    # --- running TwiML ------------------------------------------------------------------------------------

    async def _fetch(self, leg: Leg, url: str, extra: dict[str, str], then_status: str | None = None) -> None:
        leg.turn += 1
        try:
            twiml = await self.wire.post(url, {**leg.twilio_fields(), **extra})
            verbs = parse(twiml)
            leg.status = then_status or leg.status
        except (WebhookFailed, UnsupportedVerb, ValueError) as error:
            log.warning("sandbox.twiml_failed", call_sid=leg.sid, error=str(error))
            leg.heard.append("An application error has occurred. Goodbye.")
            await self.notify_error(leg, 31000, "The call's instructions failed (see notify's log).")
            await self._leg_over(leg, "failed")
            return
        await self._run(leg, verbs)

    async def _run(self, leg: Leg, verbs: list[Verb]) -> None:
        for index, verb in enumerate(verbs):
            rest = verbs[index + 1 :]
            if isinstance(verb, Said):
                leg.heard.append(verb.text)
            elif isinstance(verb, Played | Paused):
                if isinstance(verb, Played):
                    leg.heard.append("♪ music")
                if rest or isinstance(verb, Paused):
                    self._wait(leg, verb, rest)  # music and pauses take time: what follows runs after it
                    return
            elif isinstance(verb, GatherVerb):
                leg.heard.extend(verb.prompts)
                leg.gather, leg.pending = verb, rest
                return
            elif isinstance(verb, RedirectVerb):
                await self._fetch(leg, verb.url, {})
                return
            elif isinstance(verb, HangupVerb):
                await self._leg_over(leg, "completed" if verb.reason == "completed" else verb.reason)
                return
            elif isinstance(verb, DialVerb):
                leg.pending = rest
                await self._dial(leg, verb)
                return
            elif isinstance(verb, EnqueueVerb):
                leg.queue, leg.pending = verb.queue, rest
                leg.heard.append("♪ on hold")
                return
        await self._leg_over(leg, "completed")  # the document ran out of verbs

    def _wait(self, leg: Leg, verb: Played | Paused, rest: list[Verb]) -> None:
        leg.pending = rest
        if leg.holder == "phone":
            return  # the simulator's page goes on (`silence`) when the music or pause "ends"
        if isinstance(verb, Paused):  # a softphone's leg goes on by itself; endless music waits for a redirect
            turn = leg.turn
            self.loop.call_later(verb.seconds, lambda: self.loop.create_task(self._after_pause(leg.sid, turn)))

    async def _after_pause(self, sid: str, turn: int) -> None:
        async with self.lock:
            leg = self.legs.get(sid)
            if leg is not None and not leg.over and leg.turn == turn and leg.dial is None and leg.queue is None:
                pending, leg.pending = leg.pending, []
                await self._run(leg, pending)

    async def _dial(self, caller: Leg, verb: DialVerb) -> None:
        caller.dial = verb
        if verb.kind == "queue":
            await self._join_queue(caller, verb)
            return
        if verb.kind == "client":
            child = Leg(
                new_sid(),
                "softphone",
                "incoming",
                caller.from_number,
                f"client:{verb.target}",
                identity=verb.target,
                custom_parameters=dict(verb.parameters),
            )
        else:
            tenant = await self.number_tenant(verb.caller_id or caller.to_number)
            child = Leg(new_sid(), "phone", "incoming", verb.caller_id or "", verb.target, tenant=tenant)
        child.parent, child.dialled, child.status_callback = caller.sid, True, verb.status_callback
        caller.child = child.sid
        self.legs[child.sid] = child
        await self._leg_status(child, "initiated")
        await self._leg_status(child, "ringing")
        await self.ring(caller, child, verb.timeout, self._ring_out)

    async def _ring_out(self, sid: str) -> None:
        async with self.lock:
            leg = self.legs.get(sid)
            if leg is not None and leg.status == "ringing":
                await self._dialled_leg_ended(leg, "no-answer")

    async def _join_queue(self, caller: Leg, verb: DialVerb) -> None:
        waiting = next((leg for leg in self.legs.values() if leg.queue == verb.target and not leg.over), None)
        if waiting is None:
            caller.dial = None
            await self._run(caller, caller.pending)
            return
        waiting.queue, caller.child, waiting.parent = None, waiting.sid, caller.sid
        waiting.heard.append("connected again")
        await self.bridged(caller, waiting)

    # --- answers and endings ------------------------------------------------------------------------------

    async def _answered(self, child: Leg) -> None:
        caller = self.legs[child.parent or ""]
        self.stop_ringing(child)
        dial = caller.dial
        if dial is not None and dial.announcement_url and child.holder == "phone":
            await self._fetch_announcement(child, dial.announcement_url)
        child.status = "in-progress"
        await self._leg_status(child, "in-progress")
        await self.bridged(caller, child)

    async def _fetch_announcement(self, child: Leg, url: str) -> None:
        try:
            for verb in parse(await self.wire.post(url, child.twilio_fields("in-progress"))):
                if isinstance(verb, Said):
                    child.heard.append(verb.text)
        except (WebhookFailed, UnsupportedVerb, ValueError) as error:
            log.warning("sandbox.announcement_failed", call_sid=child.sid, error=str(error))

    async def _hang_up(self, leg: Leg) -> None:
        # A dialled party that hangs up before answering (an operator's cancel) ends as canceled.
        await self._leg_over(leg, "completed" if leg.parent is None or leg.status == "in-progress" else "canceled")

    async def _dialled_leg_ended(self, child: Leg, status: str) -> None:
        """The dialled leg is over: its status callback, then the <Dial action>, whose TwiML the caller runs."""
        caller = self.legs[child.parent or ""]
        answered = child.status == "in-progress"
        duration = child.seconds_since_answer()
        self.stop_ringing(child)
        await self._finish(child, "completed" if answered else status, duration)
        await self._dial_over(caller, child, "completed" if answered else status, duration, answered)

    async def _dial_over(self, caller: Leg, child: Leg, status: str, duration: int, answered: bool) -> None:
        """The caller's <Dial> ended: the action request, the segment's recording, then the caller goes on."""
        dial, caller.dial, caller.child = caller.dial, None, None
        if dial is None:
            return
        next_verbs = await self._dial_action(caller, child, dial, status, duration)
        if answered and dial.recording_callback:
            await self.post_recording(caller, dial.recording_callback, duration)
        if not caller.over:
            await self._run(caller, next_verbs if next_verbs is not None else caller.pending)

    async def _dial_action(
        self, caller: Leg, child: Leg, dial: DialVerb, status: str, duration: int
    ) -> list[Verb] | None:
        if not dial.action:
            return None
        fields = {**caller.twilio_fields(), "DialCallSid": child.sid, "DialCallStatus": status}
        fields["DialCallDuration"] = str(duration)
        try:
            return parse(await self.wire.post(dial.action, fields))
        except (WebhookFailed, UnsupportedVerb, ValueError) as error:
            log.warning("sandbox.dial_action_failed", call_sid=caller.sid, error=str(error))
            return [HangupVerb()]

    async def _leg_over(self, leg: Leg, status: str) -> None:
        """A leg ends (hung up, or its document ended); a caller's dialled leg goes with it."""
        if leg.over:
            return
        if leg.parent is not None:
            await self._dialled_leg_ended(leg, status)
            return
        duration = leg.seconds_since_answer()
        leg.status = status  # the caller is gone: the <Dial action>'s TwiML is not run
        self.stop_ringing(leg)
        await self._drop_child(leg, post_action=True)
        leg.queue = None
        await self._finish(leg, status, duration)

    async def _drop_child(self, caller: Leg, *, post_action: bool) -> None:
        child = self.legs.get(caller.child or "")
        if child is None or child.over:
            caller.child, caller.dial = None, None
            return
        answered = child.status == "in-progress"
        duration = child.seconds_since_answer()
        self.stop_ringing(child)
        await self._finish(child, "completed" if answered else "canceled", duration)
        if post_action:
            await self._dial_over(caller, child, "completed" if answered else "canceled", duration, answered)
        caller.child, caller.dial = None, None

    async def _detach(self, leg: Leg) -> None:
        """A REST redirect takes the leg out of what it was doing (a bridge, a queue, a <Dial> of its own)."""
        leg.queue, leg.gather, leg.pending = None, None, []
        leg.turn += 1
        await self._drop_child(leg, post_action=False)  # a redirected caller's <Dial> action is not requested
        caller = self.legs.get(leg.parent or "")
        leg.parent = None
        if caller is not None and caller.child == leg.sid and not caller.over:
            await self.unbridged(caller)
            await self._dial_over(caller, leg, "completed", leg.seconds_since_answer(), leg.answered_at is not None)

    async def _finish(self, leg: Leg, status: str, duration: int) -> None:
        leg.status = status
        leg.gather, leg.pending = None, []
        await self.notify_over(leg)
        url = leg.status_callback if leg.dialled else self.wire.url(CALL_STATUS_PATH)
        if url:
            fields = {**leg.twilio_fields(status), "CallDuration": str(duration), "Duration": str(duration)}
            await self._post_quietly(url, fields)

    async def _leg_status(self, leg: Leg, status: str) -> None:
        if leg.status != status and status not in ("initiated", "ringing"):
            leg.status = status
        if leg.status_callback:
            await self._post_quietly(leg.status_callback, leg.twilio_fields(status))

    async def _post_quietly(self, url: str, fields: dict[str, str]) -> None:
        """Status callbacks: Twilio ignores what they answer, and so does the sandbox (it logs a failure)."""
        try:
            await self.wire.post(url, fields)
        except WebhookFailed as error:
            log.warning("sandbox.callback_failed", call_sid=fields.get("CallSid"), error=str(error))

    # --- lookups --------------------------------------------------------------------------------------------

    def _softphone_leg(self, identity: str, sid: str) -> Leg:
        leg = self.legs.get(sid)
        if leg is None or leg.holder != "softphone" or leg.identity != identity:
            raise LegNotFound(sid)
        return leg

    def phone_leg(self, tenant: str, sid: str) -> Leg:
        leg = self.legs.get(sid)
        if leg is None or leg.holder != "phone" or leg.tenant != tenant:
            raise LegNotFound(sid)
        return leg
