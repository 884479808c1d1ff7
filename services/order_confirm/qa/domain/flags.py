"""Conversations QA should hear beyond the random sample, each with the reason it is flagged.

- `detractor`: the customer's survey rating was bad (NPS 0-6 or CSAT 1-2, the same line the survey's
  supervisor follow-up uses);
- `callback_requested`: in the survey the customer asked to be called back by a supervisor;
- `cancelled`: the call ended with the order cancelled;
- `long_call`: the talk lasted more than `long_call_factor` times the operator's median of the week (only
  once the operator has `MIN_CALLS_FOR_MEDIAN` timed calls that week: a median of two calls says nothing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from statistics import median
from typing import Any

from services.order_confirm.domain.survey_outcome import is_detractor
from services.order_confirm.qa.domain.sampling import Conversation

MIN_CALLS_FOR_MEDIAN = 5


class FlagKind(StrEnum):
    DETRACTOR = "detractor"
    CALLBACK_REQUESTED = "callback_requested"
    CANCELLED = "cancelled"
    LONG_CALL = "long_call"


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    detail: dict[str, Any] = field(default_factory=dict)


def operator_medians(conversations: Iterable[Conversation]) -> dict[int, Fraction]:
    """Median talk time (seconds) per operator over their timed calls, for operators with enough of them."""
    talks: dict[int, list[int]] = defaultdict(list)
    for conversation in conversations:
        if conversation.talk_seconds is not None:
            talks[conversation.operator_id].append(conversation.talk_seconds)
    return {
        operator_id: Fraction(median(sorted(values)))
        for operator_id, values in talks.items()
        if len(values) >= MIN_CALLS_FOR_MEDIAN
    }


def flags_of(conversation: Conversation, median_talk: Fraction | None, long_call_factor: Fraction) -> list[Flag]:
    found = []
    if is_detractor(conversation.csat, conversation.nps):
        found.append(Flag(FlagKind.DETRACTOR, {"csat": conversation.csat, "nps": conversation.nps}))
    if conversation.callback_requested:
        found.append(Flag(FlagKind.CALLBACK_REQUESTED))
    if conversation.outcome == "cancelled":
        found.append(Flag(FlagKind.CANCELLED))
    talk = conversation.talk_seconds
    if talk is not None and median_talk is not None and talk > long_call_factor * median_talk:
        detail = {
            "talk_seconds": talk,
            "median_seconds": float(median_talk),
            "factor": float(long_call_factor),
        }
        found.append(Flag(FlagKind.LONG_CALL, detail))
    return found


def flagged(conversations: Sequence[Conversation], *, long_call_factor: Fraction) -> dict[int, list[Flag]]:
    """attempt id -> its flags, for the conversations that have any."""
    medians = operator_medians(conversations)
    result = {}
    for conversation in conversations:
        found = flags_of(conversation, medians.get(conversation.operator_id), long_call_factor)
        if found:
            result[conversation.attempt_id] = found
    return result
