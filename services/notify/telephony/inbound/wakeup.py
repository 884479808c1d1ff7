"""Waiting callers are woken when an operator becomes free, instead of at the end of their hold music.

The queue loop decides again each time the hold music ends, which may be minutes. When a line frees up (a
conversation ended, an offer was not taken, a caller gave up while it rang, an operator signed in), the
callers the routing would now assign are redirected at once to their `…/wait` URL through the provider's
REST API (`CallControl.redirect`); that request decides with the usual locks, so a wake-up that turns out
early only repeats the caller's position. Run after the change commits; a failed redirect leaves the
caller to the loop.

Only a caller still queued may be redirected: a REST redirect of a leg in a <Dial> pulls it out of the bridge
(a conversation answered a moment before would be cut, and `…/wait` of an answered call hangs up). So each
caller is locked (FOR UPDATE, `state = 'queued'` checked again under the lock) and redirected before that
lock's transaction commits: their own webhooks, which ring them, wait for that lock. One caller at a time, in
a transaction of their own: a caller's queue loop never waits for the REST calls about others (issue 14: with
every woken caller locked until the last redirect, `…/wait` waited up to 1.4 s on a burst's wake-ups).
"""

from __future__ import annotations

import threading
import time

import structlog
from sqlmodel import Session, col, select

from services.common.db import transaction
from services.common.runtime import Runtime
from services.notify.settings import NotifySettings
from services.notify.telephony.base import CallControl, CallRejected, TelephonyUnavailable
from services.notify.telephony.inbound import lookup
from services.notify.telephony.inbound.urls import inbound_url
from services.notify.telephony.models import VoiceCall
from services.notify.telephony.providers import webhook_telephony
from services.notify.telephony.routing import assign

log = structlog.get_logger(__name__)

# A redirected caller's `…/wait` request is on its way: waking them again before it arrives only repeats the
# REST call and the decision (a burst of 200 callers made 823 redirects for 200 calls: every freed line's
# callbacks woke the same queued callers). Forgotten when their `…/wait` arrives, or after this long.
REDIRECT_IN_FLIGHT_SECONDS = 10.0
# Per process, by call id (a UUID: unique whatever the runtime); another replica may wake a caller once more.
_in_flight: dict[str, float] = {}
_in_flight_lock = threading.Lock()


def redirect_arrived(call_id: str) -> None:
    """The caller's `…/wait` came in: a later wake-up may redirect them again."""
    with _in_flight_lock:
        _in_flight.pop(call_id, None)


def _claim_redirects(call_ids: list[str]) -> set[str]:
    """Of `call_ids`, those with no redirect in flight; they are marked in flight now."""
    now = time.monotonic()
    with _in_flight_lock:
        for call_id, since in list(_in_flight.items()):
            if now - since > REDIRECT_IN_FLIGHT_SECONDS:
                del _in_flight[call_id]
        claimed = {call_id for call_id in call_ids if call_id not in _in_flight}
        _in_flight.update(dict.fromkeys(claimed, now))
    return claimed


def callers_to_wake(session: Session, tenant_id: str, runtime: Runtime[NotifySettings]) -> list[str]:
    """The waiting callers an operator is free for now (their call ids; read without a lock)."""
    settings = lookup.tenant_settings(session, tenant_id)
    if settings is None or not settings.enabled:
        return []
    waiting = lookup.waiting_callers(session, tenant_id)
    if not waiting:
        return []
    assigned = assign(waiting, lookup.agents(session, tenant_id), lookup.rules_of(settings), runtime.clock())
    return sorted(assigned)


def wake_waiting(runtime: Runtime[NotifySettings], tenant_id: str, *, skip_call: str | None = None) -> int:
    """Redirect the tenant's callers who can be rung now (not `skip_call`: its own request decides)."""
    with transaction(runtime.engine) as session:
        targets = [call_id for call_id in callers_to_wake(session, tenant_id, runtime) if call_id != skip_call]
    claimed = _claim_redirects(targets)
    if not claimed:
        return 0
    control = webhook_telephony(runtime).control
    woken = sum(_redirect_if_queued(runtime, control, tenant_id, call_id) for call_id in targets if call_id in claimed)
    log.info("inbound.callers_woken", tenant=tenant_id, woken=woken)
    return woken


def _redirect_if_queued(runtime: Runtime[NotifySettings], control: CallControl, tenant_id: str, call_id: str) -> bool:
    """Redirect one caller to their `…/wait` under their row's lock, if they are still queued (module doc)."""
    with transaction(runtime.engine) as session:
        # Locked and checked again: one rung (or answered) since `callers_to_wake` read it is not woken.
        call_sid = session.exec(
            select(VoiceCall.provider_call_sid)
            .where(col(VoiceCall.id) == call_id, col(VoiceCall.state) == "queued")
            .with_for_update()
        ).first()
        if call_sid is None:
            redirect_arrived(call_id)  # nothing is on its way
            return False
        try:
            control.redirect(call_sid, inbound_url(runtime.settings.public_base_url, call_id, "wait"))
            return True
        except (TelephonyUnavailable, CallRejected) as error:
            # The caller hung up meanwhile, or the provider is away: the queue loop still decides for them.
            log.warning("inbound.wake_failed", call_id=call_id, tenant=tenant_id, error=type(error).__name__)
            redirect_arrived(call_id)
            return False


def wake_all(runtime: Runtime[NotifySettings]) -> int:
    """The periodic pass (`notify.inbound_wake`): every tenant with callers waiting, whatever freed a line
    (an operator signed in, an outbound call ended) — the route-level wake-ups cover only notify's own events."""
    with transaction(runtime.engine) as session:
        tenants = session.exec(
            select(VoiceCall.tenant_id)
            .where(col(VoiceCall.state) == "queued", col(VoiceCall.direction) == "inbound")
            .distinct()
        ).all()
    return sum(wake_waiting(runtime, tenant_id) for tenant_id in tenants)
