"""Call legs of the sandbox's Twilio and who holds each end: an operator's softphone or a simulated phone.

A leg is one party's connection, as in Twilio: the caller's leg runs TwiML; a `<Dial>` creates a child leg
to a `<Number>` (the simulator's customer phone) or a `<Client>` (an operator's registered softphone), and
the two are bridged when the child answers. Legs live in memory: the sandbox is one process (`okno run`,
a test), and a restart ends every simulated call as a restart of Twilio's edge would.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from contracts.http.softphone import SoftphoneCall
from services.notify.telephony.sandbox.twiml_document import DialVerb, GatherVerb, Verb

Holder = Literal["softphone", "phone"]  # an operator's browser | the simulator's customer phone
Direction = Literal["incoming", "outgoing"]  # as the holder sees it: incoming = it rings there

ENDED = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


def new_sid(prefix: str = "CA") -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class Leg:
    sid: str
    holder: Holder
    direction: Direction
    from_number: str
    to_number: str
    identity: str | None = None  # softphone legs: the operator's client identity
    tenant: str | None = None  # phone legs: whose simulator shows the leg
    parent: str | None = None  # a dialled leg's caller leg (None once a REST redirect took it out of the <Dial>)
    dialled: bool = False  # created by a <Dial> (Twilio's Direction "outbound-dial")
    status_callback: str | None = None  # a dialled leg's: the <Dial> noun's statusCallback
    status: str = "ringing"  # Twilio's CallStatus
    custom_parameters: dict[str, str] = field(default_factory=dict)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The caller's side of the document it runs:
    heard: list[str] = field(default_factory=list)  # what a simulated phone heard (the page shows it)
    gather: GatherVerb | None = None  # keys awaited now
    pending: list[Verb] = field(default_factory=list)  # what runs next on silence / when the music ends
    dial: DialVerb | None = None  # the <Dial> in progress (caller's leg)
    child: str | None = None  # the leg that <Dial> rings or is bridged to
    queue: str | None = None  # waiting in this <Enqueue> (hold)
    turn: int = 0  # grows with every document the leg fetches: a <Pause> resumes only the turn it paused
    answered_at: float | None = None  # monotonic, for durations
    ring_timer: asyncio.TimerHandle | None = None

    @property
    def over(self) -> bool:
        return self.status in ENDED

    def seconds_since_answer(self) -> int:
        return 0 if self.answered_at is None else max(0, round(time.monotonic() - self.answered_at))

    def view(self) -> SoftphoneCall:
        return SoftphoneCall(
            sid=self.sid,
            direction=self.direction,
            from_number=self.from_number,
            to_number=self.to_number,
            custom_parameters=dict(self.custom_parameters),
        )

    def twilio_fields(self, status: str | None = None) -> dict[str, str]:
        """The call's own fields of every webhook about this leg."""
        fields = {
            "CallSid": self.sid,
            "From": self.from_number,
            "To": self.to_number,
            "Caller": self.from_number,
            "Called": self.to_number,
            "CallStatus": status or self.status,
            "Direction": "outbound-dial" if self.dialled else "inbound",
        }
        if self.parent:
            fields["ParentCallSid"] = self.parent
        return fields
