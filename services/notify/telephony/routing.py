"""Inbound one window (docs/telephony.md "Inbound"): whom a waiting caller's phone rings next. Pure: no I/O.

The rules, by the time since the call came in:
- before `owner_wait_seconds`: the customer's owner if signed in (on another call: the caller waits for them);
- before `owner_wait + cover_wait`: the owner, else the owner's cover if signed in;
- later, at once for an unknown caller, or when neither owner nor cover is signed in: any free operator of the
  tenant, the one idle longest (calls spread evenly).
An operator who was rung for this call and did not answer is skipped in the owner/cover tiers and, in the last
tier, offered again only when nobody else is free. Waiting callers are served first come, first served: a
free operator goes to the earliest caller who may have them, and a caller's queue position counts the callers
ahead of them who are still waiting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Role = Literal["owner", "cover", "other"]
MIN_RING_SECONDS = 5


@dataclass(frozen=True)
class TenantRules:
    enabled: bool = True
    owner_wait_seconds: int = 15
    cover_wait_seconds: int = 15
    ring_seconds: int = 20
    max_queue_seconds: int = 600
    callback_offer: bool = True


@dataclass(frozen=True)
class Agent:
    """An operator as the tenant's routing sees them."""

    operator_id: int
    signed_in: bool  # presence `available` and still a member of the tenant
    busy: bool  # their line rings or talks (one of notify's calls, any tenant)
    idle_since: datetime | None  # their last call's end; None = no call yet (idle longest)
    phone: str | None = None  # the number they take calls on (presence line "phone"); None: their browser


@dataclass(frozen=True)
class Caller:
    """A call waiting for an operator (queued; none of its offers rings)."""

    call_id: str
    offered_at: datetime
    customer_known: bool
    owner_id: int | None
    cover_id: int | None
    declined: frozenset[int] = frozenset()  # operators rung for this call who did not answer


@dataclass(frozen=True)
class Ring:
    operator_id: int
    role: Role
    timeout_seconds: int


@dataclass(frozen=True)
class Wait:
    position: int  # 1 = next
    offer_callback: bool


@dataclass(frozen=True)
class QueueTimeout:
    """The caller waited `max_queue_seconds`: they are told they will be called back."""


@dataclass(frozen=True)
class Closed:
    """The tenant takes no calls now (telephony disabled)."""


Decision = Ring | Wait | QueueTimeout | Closed


def role_of(operator_id: int, caller: Caller) -> Role:
    if caller.customer_known and operator_id == caller.owner_id:
        return "owner"
    if caller.customer_known and operator_id == caller.cover_id:
        return "cover"
    return "other"


def decide(
    caller: Caller, waiting: Sequence[Caller], agents: Sequence[Agent], rules: TenantRules, now: datetime
) -> Decision:
    """What to do with `caller` now; `waiting` is every queued caller of the tenant (with or without `caller`)."""
    if not rules.enabled:
        return Closed()
    if _elapsed(caller, now) >= rules.max_queue_seconds:
        return QueueTimeout()
    assignments = assign(_with(caller, waiting), agents, rules, now)
    ring = assignments.get(caller.call_id)
    if ring is not None:
        return ring
    ahead = sum(
        1
        for other in waiting
        if _before(other, caller)
        and other.call_id not in assignments
        and _elapsed(other, now) < rules.max_queue_seconds  # leaving the queue, not ahead of anyone
    )
    return Wait(position=ahead + 1, offer_callback=rules.callback_offer)


def assign(waiting: Iterable[Caller], agents: Sequence[Agent], rules: TenantRules, now: datetime) -> dict[str, Ring]:
    """Free operators to waiting callers, first come first served; callers without one keep waiting."""
    signed_in = {a.operator_id for a in agents if a.signed_in}
    free = [a for a in agents if a.signed_in and not a.busy]
    assignments: dict[str, Ring] = {}
    for caller in _fifo(waiting):
        if _elapsed(caller, now) >= rules.max_queue_seconds:
            continue  # leaving the queue, not taking an operator
        ring = _choose(caller, free, signed_in, rules, now)
        if ring is not None:
            assignments[caller.call_id] = ring
            free = [a for a in free if a.operator_id != ring.operator_id]
    return assignments


def _choose(caller: Caller, free: list[Agent], signed_in: set[int], rules: TenantRules, now: datetime) -> Ring | None:
    elapsed = _elapsed(caller, now)
    free_ids = {a.operator_id for a in free}
    owner, cover = _personal(caller, signed_in)
    owner_until = rules.owner_wait_seconds
    cover_until = rules.owner_wait_seconds + rules.cover_wait_seconds
    if owner is not None and elapsed < owner_until:
        return Ring(owner, "owner", _ring(owner_until - elapsed)) if owner in free_ids else None
    if (owner is not None or cover is not None) and elapsed < cover_until:
        for candidate, role in ((owner, "owner"), (cover, "cover")):
            if candidate is not None and candidate in free_ids:
                return Ring(candidate, role, _ring(cover_until - elapsed))  # type: ignore[arg-type]
        return None
    if not free:
        return None
    fresh = [a for a in free if a.operator_id not in caller.declined]
    chosen = min(fresh or free, key=_idle_order)
    return Ring(chosen.operator_id, role_of(chosen.operator_id, caller), rules.ring_seconds)


def _personal(caller: Caller, signed_in: set[int]) -> tuple[int | None, int | None]:
    """The owner and cover this caller may wait for: known customer, signed in, not already rung in vain."""
    if not caller.customer_known:
        return None, None

    def eligible(operator_id: int | None) -> int | None:
        if operator_id is None or operator_id not in signed_in or operator_id in caller.declined:
            return None
        return operator_id

    owner = eligible(caller.owner_id)
    cover = eligible(caller.cover_id) if caller.cover_id != caller.owner_id else None
    return owner, cover


def _idle_order(agent: Agent) -> tuple[int, float, int]:
    # Never had a call first, then the earliest last call's end; the id keeps the order total.
    if agent.idle_since is None:
        return (0, 0.0, agent.operator_id)
    return (1, agent.idle_since.timestamp(), agent.operator_id)


def _ring(remaining: float) -> int:
    return max(MIN_RING_SECONDS, int(remaining + 0.999))


def _elapsed(caller: Caller, now: datetime) -> float:
    return (now - caller.offered_at).total_seconds()


def _fifo(callers: Iterable[Caller]) -> list[Caller]:
    return sorted(callers, key=lambda c: (c.offered_at, c.call_id))


def _before(one: Caller, other: Caller) -> bool:
    return (one.offered_at, one.call_id) < (other.offered_at, other.call_id)


def _with(caller: Caller, waiting: Sequence[Caller]) -> list[Caller]:
    return [*(c for c in waiting if c.call_id != caller.call_id), caller]
