"""The phone figures of a group of calls (docs/reports.md "Phone service level"). Pure: no I/O.

Inbound calls count once they have ended (a call still queued or talking has no verdict yet):
- **offered** — every ended inbound call; **short abandons** — callers who hung up within the tenant's
  `short_abandon_seconds` (notify marks them): misdials and second thoughts, kept apart as call centres do,
  counted in neither the service level nor the abandonment rate, reported on their own;
- **considered** = offered − short abandons: the denominator of both rates;
- **service level** = answered within the tenant's threshold (`wait_seconds` ≤ `service_level_seconds`)
  / considered; a callback request or a call that could not be carried counts as not answered in time;
- **abandonment rate** = abandoned (not short) / considered;
- **ASA** (average speed of answer) = mean `wait_seconds` of the answered calls;
- **owner-answered share** ("one window by phone") = answered by the customer's owner / answered calls of
  callers that had an owner at the time.

Handled calls are every conversation an operator had (inbound answered, outbound answered): **AHT** = mean
of talk + hold + wrap-up. Wrap-up is the time from the call's end to the operator's disposition for an
outbound call; an inbound call has no disposition form, so its wrap-up is nil (AHT of inbound calls alone is
talk + hold).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.order_confirm.domain.service_level import average, share


@dataclass(frozen=True)
class InboundCallFact:
    answered: bool
    wait_seconds: int | None
    abandoned: bool
    short_abandon: bool
    callback_requested: bool
    answered_role: str | None  # owner | cover | other
    had_owner: bool
    threshold_seconds: int  # the tenant's service_level_seconds


@dataclass(frozen=True)
class HandledCall:
    talk_seconds: int
    hold_seconds: int
    wrap_up_seconds: int  # 0 where none is measured


@dataclass(frozen=True)
class PhoneFigures:
    offered: int
    short_abandons: int
    considered: int
    answered: int
    answered_within: int
    service_level: float | None
    abandoned: int
    abandonment_rate: float | None
    callbacks_requested: int
    asa_seconds: float | None
    owner_answered: int
    owner_answered_share: float | None
    handled: int
    talk_seconds_avg: float | None
    hold_seconds_avg: float | None
    wrap_up_seconds_avg: float | None
    aht_seconds: float | None


def phone_figures(inbound: Iterable[InboundCallFact], handled: Iterable[HandledCall]) -> PhoneFigures:
    calls = list(inbound)
    conversations = list(handled)
    short = sum(1 for call in calls if call.short_abandon)
    considered = len(calls) - short
    answered = [call for call in calls if call.answered]
    within = sum(1 for call in answered if (call.wait_seconds or 0) <= call.threshold_seconds)
    abandoned = sum(1 for call in calls if call.abandoned and not call.short_abandon)
    owned = [call for call in answered if call.had_owner]
    by_owner = sum(1 for call in owned if call.answered_role == "owner")
    talk = sum(call.talk_seconds for call in conversations)
    hold = sum(call.hold_seconds for call in conversations)
    wrap_up = sum(call.wrap_up_seconds for call in conversations)
    return PhoneFigures(
        offered=len(calls),
        short_abandons=short,
        considered=considered,
        answered=len(answered),
        answered_within=within,
        service_level=share(within, considered),
        abandoned=abandoned,
        abandonment_rate=share(abandoned, considered),
        callbacks_requested=sum(1 for call in calls if call.callback_requested),
        asa_seconds=average(sum(call.wait_seconds or 0 for call in answered), len(answered)),
        owner_answered=by_owner,
        owner_answered_share=share(by_owner, len(owned)),
        handled=len(conversations),
        talk_seconds_avg=average(talk, len(conversations)),
        hold_seconds_avg=average(hold, len(conversations)),
        wrap_up_seconds_avg=average(wrap_up, len(conversations)),
        aht_seconds=average(talk + hold + wrap_up, len(conversations)),
    )
