"""One open live stream: sleep until woken (or a timer is due), read, send the difference.

When a stream reads (`Pace`):
- its queue: after a wake-up for its operator, but at most once per `events_coalesce_seconds` (a burst of
  changes costs one read); when the access token expires (the read ends the stream with `reauth`); and after
  `events_safety_poll_seconds` without a read, for changes nobody announced;
- the operator's own current call (the softphone bar's `call` event): after a call fact woke it, at most once
  per `events_coalesce_seconds`, and with the safety poll; `ready` carries it too, so a console that
  reconnects follows the call it may have missed;
- its floor (supervisors, admins): after a wake-up for its team or tenant, at most once per
  `events_floor_seconds` (the summary costs far more than a queue); when a task falls due or a call's lease
  runs out (the floor changes although nothing is written); and with the safety poll.
An idle stream costs a timer and a keep-alive comment every `events_heartbeat_seconds`; no SQL.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.exc import SQLAlchemyError

from services.common.problems import Unauthorized
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.security.tokens import AccessClaims
from services.order_confirm.streams import look
from services.order_confirm.streams.hub import StreamHub, Subscription

log = structlog.get_logger(__name__)
RECONNECT_MS = 3000


@dataclass
class Pace:
    coalesce: float
    floor_every: float
    safety: float
    last_queue: float = -math.inf
    last_floor: float = -math.inf
    last_call: float = -math.inf
    token_ends_at: float = math.inf
    floor_changes_at: float = math.inf

    def queue_due(self, subscription: Subscription) -> float:
        moments = [self.last_queue + self.safety, self.token_ends_at]
        if subscription.queue:
            moments.append(self.last_queue + self.coalesce)
        return min(moments)

    def call_due(self, subscription: Subscription) -> float:
        moments = [self.last_call + self.safety]
        if subscription.call:
            moments.append(self.last_call + self.coalesce)
        return min(moments)

    def floor_due(self, subscription: Subscription) -> float:
        if not subscription.watches_floor:
            return math.inf
        moments = [self.last_floor + self.safety, max(self.floor_changes_at, self.last_floor + self.floor_every)]
        if subscription.floor:
            moments.append(self.last_floor + self.floor_every)
        return min(moments)


def frame(event: str, data: dict[str, object], event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class Stream:
    def __init__(self, runtime: OrderConfirmRuntime, hub: StreamHub, claims: AccessClaims) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.hub = hub
        self.claims = claims
        self.seen = look.Seen()
        self.subscription = hub.subscribe(claims.operator_id, watches_floor=claims.role.value in look.FLOOR_ROLES)
        self.pace = Pace(
            settings.events_coalesce_seconds, settings.events_floor_seconds, settings.events_safety_poll_seconds
        )
        self.sent = 0
        self.last_read = 0  # the number of the newest shared read this stream has taken (StreamHub.shared)

    def close(self) -> None:
        self.hub.unsubscribe(self.subscription)

    async def first_read(self) -> None:
        """Authenticate (a bad token is a plain 401 before the stream starts) and record what `ready` stands for.
        The subscription exists already, so nothing that commits meanwhile is missed."""
        await self._read(queue=True, floor=True, call=True)

    async def _read(self, *, queue: bool, floor: bool, call: bool) -> list[look.Event]:
        now_mono = time.monotonic()
        subscription = self.subscription
        if queue:
            subscription.queue, self.pace.last_queue = False, now_mono
        if call:
            subscription.call, self.pace.last_call = False, now_mono
        if floor:
            subscription.floor, self.pace.last_floor = False, now_mono
        now = self.runtime.clock()
        if queue and not floor and not call:
            found = await self._read_queue(now)
        else:
            self.last_read = self.hub.last_number  # a shared read that began before this one is older
            async with self.hub.reading():
                engine = self.runtime.async_engines.current()
                found = await look.read(engine, self.claims, self.seen, now, queue=queue, floor=floor, call=call)
        subscription.tenants = found.scope.tenant_ids
        self.pace.token_ends_at = now_mono + _seconds_until(self.claims.expires_at, now)
        if floor and self.seen.floor is not None:
            subscription.team = self.seen.floor.team
            changes_at = self.seen.floor.changes_at
            self.pace.floor_changes_at = now_mono + _seconds_until(changes_at, now) if changes_at else math.inf
        return found.events

    async def _read_queue(self, now: datetime) -> look.Found:
        """The queue alone, read once for every tab of this login that the same note woke (hub.shared)."""
        look.check_expiry(self.claims, now)

        async def fetch() -> look.QueueRead:
            async with self.hub.reading():
                engine = self.runtime.async_engines.current()
                return await look.read_queue(engine, self.claims, self.seen, now)

        login = self.claims.session_id
        self.last_read, read = await self.hub.shared(
            self.claims.operator_id, login, self.last_read, self.pace.coalesce, fetch
        )
        return look.Found(read.scope, look.apply_queue(self.seen, read.marks))

    async def events(self) -> AsyncIterator[str]:
        settings = self.runtime.settings
        heartbeat = settings.events_heartbeat_seconds
        ends_at = time.monotonic() + settings.events_stream_seconds
        next_heartbeat = time.monotonic() + heartbeat
        try:
            # `ready` carries the current call: a console that reconnects resyncs its softphone bar with it.
            yield f"retry: {RECONNECT_MS}\n" + frame("ready", look.call_event(self.seen.call))
            while (now := time.monotonic()) < ends_at:
                queue_at, floor_at = self.pace.queue_due(self.subscription), self.pace.floor_due(self.subscription)
                call_at = self.pace.call_due(self.subscription)
                if min(queue_at, floor_at, call_at) > now:
                    await self.subscription.wait(min(queue_at, floor_at, call_at, next_heartbeat, ends_at) - now)
                    if time.monotonic() >= next_heartbeat:
                        yield ": keep-alive\n\n"
                        next_heartbeat = time.monotonic() + heartbeat
                    continue
                try:
                    found = await self._read(queue=queue_at <= now, floor=floor_at <= now, call=call_at <= now)
                except Unauthorized as ended:
                    yield frame("reauth", {"detail": ended.detail})
                    return
                except (SQLAlchemyError, OSError) as error:
                    # The console reconnects (and refetches on `ready`) once the database answers again.
                    log.warning("streams.read_failed", operator_id=self.claims.operator_id, error=repr(error))
                    return
                for event, data in found:
                    self.sent += 1
                    yield frame(event, data, self.sent)
                    next_heartbeat = time.monotonic() + heartbeat
        finally:
            self.close()


def _seconds_until(moment: datetime, now: datetime) -> float:
    return max(0.0, (moment - now).total_seconds())
