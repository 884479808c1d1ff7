"""An outbound call's end frees its operator's line: callers waiting for them (an owner's customers first) are
woken at once rather than at the end of their hold music (`inbound/wakeup.py`).

The operator may work for several tenants (one person, one line), so every tenant they are present in is
woken. Runs after the change commits (a background task of the webhook's response); a wake-up that finds
nobody to ring costs one query per tenant.
"""

from __future__ import annotations

from sqlmodel import col, select

from services.common.db import transaction
from services.common.runtime import Runtime
from services.notify.settings import NotifySettings
from services.notify.telephony.inbound.wakeup import wake_waiting
from services.notify.telephony.models import VoicePresence


def wake_for_operator(runtime: Runtime[NotifySettings], operator_id: int | None) -> int:
    if operator_id is None:
        return 0
    with transaction(runtime.engine) as session:
        tenants = session.exec(
            select(VoicePresence.tenant_id).where(
                col(VoicePresence.operator_id) == operator_id, col(VoicePresence.member).is_(True)
            )
        ).all()
    return sum(wake_waiting(runtime, tenant) for tenant in tenants)
