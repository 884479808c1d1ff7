"""A TwiML document as Twilio's voice engine runs it, verb by verb, for the sandbox's calls.

The survey simulator only needs what a caller hears and which keys are awaited (`simulator/twiml_reader.py`);
calls between a customer and an operator also need `<Dial>` (a `<Number>`, a `<Client>` with its
`<Parameter>`s, or a `<Queue>`), `<Enqueue>` (hold) and `<Reject>`. Verbs Okno never writes are refused
loudly (`UnsupportedVerb`) instead of being skipped, so a new verb is noticed in the sandbox first.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field


class UnsupportedVerb(ValueError):
    pass


@dataclass(frozen=True)
class Said:
    text: str


@dataclass(frozen=True)
class Played:
    url: str


@dataclass(frozen=True)
class Paused:
    seconds: int


@dataclass(frozen=True)
class GatherVerb:
    action: str
    num_digits: int | None
    finish_on_key: str
    timeout: int
    prompts: tuple[str, ...]


@dataclass(frozen=True)
class RedirectVerb:
    url: str


@dataclass(frozen=True)
class HangupVerb:
    reason: str = "completed"  # <Reject> ends the call as "busy" (or its `reason`), <Hangup> as completed


@dataclass(frozen=True)
class DialVerb:
    """`<Dial>` with exactly one noun: a number, a client identity or a queue."""

    kind: str  # "number" | "client" | "queue"
    target: str
    action: str | None
    timeout: int
    caller_id: str | None
    record: bool
    recording_callback: str | None
    status_callback: str | None  # the noun's statusCallback (the dialled leg's status)
    announcement_url: str | None  # <Number url>: played to the callee on answer, before the bridge
    parameters: dict[str, str] = field(default_factory=dict)  # <Client><Parameter>


@dataclass(frozen=True)
class EnqueueVerb:
    queue: str
    action: str | None
    wait_url: str | None


Verb = Said | Played | Paused | GatherVerb | RedirectVerb | HangupVerb | DialVerb | EnqueueVerb


def parse(twiml: str) -> list[Verb]:
    root = ET.fromstring(twiml)
    if root.tag != "Response":
        raise UnsupportedVerb(f"a TwiML document is a <Response>, not <{root.tag}>")
    return [_verb(element) for element in root]


def _verb(element: ET.Element) -> Verb:
    attrib = element.attrib
    if element.tag == "Say":
        return Said((element.text or "").strip())
    if element.tag == "Play":
        return Played((element.text or "").strip())
    if element.tag == "Pause":
        return Paused(int(attrib.get("length", "1")))
    if element.tag == "Gather":
        return GatherVerb(
            action=attrib["action"],
            num_digits=int(attrib["numDigits"]) if "numDigits" in attrib else None,
            finish_on_key=attrib.get("finishOnKey", "#"),
            timeout=int(attrib.get("timeout", "5")),
            prompts=tuple((child.text or "").strip() for child in element if child.tag == "Say"),
        )
    if element.tag == "Redirect":
        return RedirectVerb((element.text or "").strip())
    if element.tag == "Hangup":
        return HangupVerb()
    if element.tag == "Reject":
        return HangupVerb(attrib.get("reason", "busy"))
    if element.tag == "Dial":
        return _dial(element)
    if element.tag == "Enqueue":
        return EnqueueVerb((element.text or "").strip(), attrib.get("action"), attrib.get("waitUrl"))
    raise UnsupportedVerb(f"the sandbox does not run <{element.tag}>")


def _dial(element: ET.Element) -> DialVerb:
    attrib = element.attrib
    nouns = [child for child in element if child.tag in ("Number", "Client", "Queue")]
    if len(nouns) != 1 and (element.text or "").strip() == "":
        raise UnsupportedVerb("the sandbox dials exactly one <Number>, <Client> or <Queue>")
    if nouns:
        noun = nouns[0]
        kind = noun.tag.lower()
        target, parameters = _noun_target(noun)
    else:  # <Dial>+79161234567</Dial>
        kind, target, parameters, noun = "number", (element.text or "").strip(), {}, element
    record = attrib.get("record", "do-not-record") not in ("do-not-record", "false")
    return DialVerb(
        kind=kind,
        target=target,
        action=attrib.get("action"),
        timeout=int(attrib.get("timeout", "30")),
        caller_id=attrib.get("callerId"),
        record=record,
        recording_callback=attrib.get("recordingStatusCallback") if record else None,
        status_callback=noun.attrib.get("statusCallback"),
        announcement_url=noun.attrib.get("url"),
        parameters=parameters,
    )


def _noun_target(noun: ET.Element) -> tuple[str, dict[str, str]]:
    if noun.tag != "Client":
        return (noun.text or "").strip(), {}
    identity = noun.find("Identity")
    name = (identity.text if identity is not None else noun.text) or ""
    parameters = {p.attrib["name"]: p.attrib.get("value", "") for p in noun if p.tag == "Parameter"}
    return name.strip(), parameters
