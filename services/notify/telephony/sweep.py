"""The telephony sweep (`notify.telephony_sweep`): what Twilio never came back about is closed.

- An offer still ringing well past the longest ring time never got its `<Dial action>` (the caller's leg went
  away with it): it ends `no_answer`, so the operator's line is no longer reserved.
- A call with no news for `telephony_stale_call_hours` is closed with the outcome its facts allow: answered
  if an operator or the customer answered, else abandoned (inbound) or unavailable (outbound), so nothing
  stays "in call" forever and order_confirm hears the end.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlmodel import Session, col, select

from services.common.db import transaction
from services.common.runtime import Runtime
from services.notify.settings import NotifySettings
from services.notify.telephony.inbound.flow import end
from services.notify.telephony.models import VoiceCall, VoiceCallOffer

log = structlog.get_logger(__name__)
# The longest ring a tenant may set (contracts: ring_seconds <= 120, each wait <= 300) and Twilio's slack.
OFFER_EXPIRY = timedelta(seconds=300 + 300 + 60)
BATCH = 200


def expire_offers(session: Session, *, now: datetime) -> int:
    statement = (
        select(VoiceCallOffer)
        .where(col(VoiceCallOffer.ended_at).is_(None), col(VoiceCallOffer.offered_at) < now - OFFER_EXPIRY)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    offers = session.exec(statement).all()
    for offer in offers:
        offer.ended_at, offer.result = now, "no_answer"
        session.add(offer)
    return len(offers)


def close_stale_calls(session: Session, runtime: Runtime[NotifySettings], *, now: datetime) -> int:
    stale_before = now - timedelta(hours=runtime.settings.telephony_stale_call_hours)
    statement = (
        select(VoiceCall)
        .where(col(VoiceCall.state) != "ended", col(VoiceCall.updated_at) < stale_before)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    calls = session.exec(statement).all()
    for call in calls:
        if call.answered_at is not None:
            outcome = "answered"
        elif call.direction == "inbound":
            outcome = "abandoned"
            call.abandoned = True
        else:
            outcome = "unavailable"
        end(session, runtime.outbox, call, outcome, at=now)
        log.warning("telephony.stale_call_closed", call_id=call.id, tenant=call.tenant_id, outcome=outcome)
    return len(calls)


def sweep(runtime: Runtime[NotifySettings]) -> tuple[int, int]:
    """One pass; returns (offers expired, calls closed)."""
    now = runtime.clock()
    with transaction(runtime.engine) as session:
        expired = expire_offers(session, now=now)
    with transaction(runtime.engine) as session:
        closed = close_stale_calls(session, runtime, now=now)
    if expired or closed:
        log.info("telephony.swept", offers_expired=expired, calls_closed=closed)
    return expired, closed
