"""Pure rules of an outbound call's progress: which state may follow which, and what provider statuses mean.

Twilio does not promise the order of its callbacks, so a state only ever moves forward (`advances`); a late
"ringing" after "in-progress" changes nothing, and an ended call stays ended.
"""

from __future__ import annotations

from typing import Literal

from contracts.telephony import CallOutcome, CallState

_RANK: dict[str, int] = {"dialing": 0, "queued": 0, "ringing": 1, "in_progress": 2, "ended": 3}
FINAL_LEG_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
# The operator must connect the softphone within this long after asking; a later connect is refused.
CONNECT_WINDOW_SECONDS = 60
# How long the customer's phone rings before Twilio gives up (`<Dial timeout>`).
CUSTOMER_RING_SECONDS = 30
# How long the operator's own phone rings ("call my phone first").
OPERATOR_RING_SECONDS = 25

LegEvent = Literal["ringing", "answered", "ended"]


def advances(current: str, target: CallState) -> bool:
    """True when `target` is later than `current` (never back, never out of `ended`)."""
    return _RANK[target] > _RANK[current]


def leg_event(call_status: str) -> LegEvent | None:
    """A Twilio `CallStatus` of a leg as the step it means (`initiated`/`queued` mean nothing new)."""
    if call_status == "ringing":
        return "ringing"
    if call_status == "in-progress":
        return "answered"
    if call_status in FINAL_LEG_STATUSES:
        return "ended"
    return None


def customer_outcome(status: str, answered: bool) -> CallOutcome:
    """The outcome of a call whose customer leg (or `<Dial>`) ended with Twilio's `status`.

    `status` is a `CallStatus` (`no-answer`) or a `DialCallStatus` (same words); a leg that was answered and
    ended is a conversation whatever the word (Twilio reports `completed` for it, `canceled` when the
    operator's leg ended first).
    """
    if answered or status in ("completed", "answered"):
        return "answered"
    match status:
        case "busy":
            return "busy"
        case "no-answer":
            return "no_answer"
        case "canceled":
            return "canceled"
        case _:
            return "failed"


def operator_left_outcome(state: str) -> CallOutcome:
    """The operator's leg ended (hung up, browser died, their phone did not answer): what the call became."""
    if state == "in_progress":
        return "answered"
    # Before the customer answered: the operator gave up (docs: "canceled = the operator hung up while it rang").
    return "canceled"


def machine_answered(answered_by: str | None) -> bool:
    """Twilio's answering-machine detection said this was no person (`machine_start`, `fax`...)."""
    return bool(answered_by) and answered_by not in ("human", "unknown")
