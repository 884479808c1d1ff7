"""Provider-neutral steps of a voice document: what the caller hears and where the call goes next.

Call flows build lists of these; the provider's `VoiceMarkup` renders them (Twilio: TwiML). The names say
what happens to the caller, not how a provider spells it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Say:
    text: str
    language: str  # BCP 47, e.g. "ru-RU"
    voice: str  # a voice the provider offers, e.g. "Polly.Tatyana"


@dataclass(frozen=True)
class Play:
    url: str
    loop: int = 1


@dataclass(frozen=True)
class Pause:
    seconds: int


@dataclass(frozen=True)
class AskDigits:
    """Listen for keys while `prompts` play; with no input the document continues after this step."""

    action: str  # where the keys are posted
    prompts: tuple[Say | Play | Pause, ...]
    timeout: int
    num_digits: int | None = None
    finish_on_key: str = "#"


@dataclass(frozen=True)
class Redirect:
    url: str


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class Record:
    """Record the bridged conversation from the answer, one channel per party."""

    status_callback: str


@dataclass(frozen=True)
class RingClient:
    """An operator's softphone (client identity), with parameters the softphone shows while it rings."""

    identity: str
    status_callback: str
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RingNumber:
    number: str
    status_callback: str
    announcement_url: str | None = None  # played to the callee when they answer, before the bridge


@dataclass(frozen=True)
class Bridge:
    """Ring `target` and connect the caller when it answers; `action` hears how it ended."""

    target: RingClient | RingNumber
    action: str
    timeout: int
    caller_id: str | None = None
    record: Record | None = None


@dataclass(frozen=True)
class WaitInHoldQueue:
    """Hold: wait (hearing `wait_url`'s music) in a private queue until the other party joins it."""

    queue: str
    wait_url: str
    action: str


@dataclass(frozen=True)
class JoinHoldQueue:
    """Resume: connect to the party waiting in `queue`."""

    queue: str
    action: str
    record: Record | None = None


VoiceStep = Say | Play | Pause | AskDigits | Redirect | Hangup | Bridge | WaitInHoldQueue | JoinHoldQueue
