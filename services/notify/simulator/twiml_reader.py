"""Reads TwiML the way Twilio's voice engine does, for the simulator: what is said, what is awaited."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Gathering:
    action: str
    num_digits: int | None
    finish_on_key: str
    timeout: int


@dataclass
class Turn:
    """One TwiML document as the caller experiences it."""

    say: list[str] = field(default_factory=list)
    gather: Gathering | None = None
    redirect: str | None = None  # where Twilio goes when the caller stays silent
    hangup: bool = False


def read(twiml: str) -> Turn:
    root = ET.fromstring(twiml)
    turn = Turn()
    for verb in root:
        if verb.tag == "Say":
            turn.say.append(verb.text or "")
        elif verb.tag == "Gather":
            turn.say.extend(child.text or "" for child in verb if child.tag == "Say")
            turn.gather = Gathering(
                action=verb.attrib["action"],
                num_digits=int(verb.attrib["numDigits"]) if "numDigits" in verb.attrib else None,
                finish_on_key=verb.attrib.get("finishOnKey", "#"),
                timeout=int(verb.attrib.get("timeout", "5")),
            )
        elif verb.tag == "Redirect":
            turn.redirect = verb.text or ""
            break
        elif verb.tag == "Hangup":
            turn.hangup = True
            break
    if not turn.gather and not turn.redirect:
        turn.hangup = True  # Twilio ends the call when the document runs out of verbs
    return turn
