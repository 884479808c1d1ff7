"""Operators whose console went quiet (closed without signing out) are taken off inbound call routing.

Signing out is an event; closing the tab is not. A console renews its login while it is open, so a login
not renewed for `telephony_presence_idle_minutes` no longer counts, and this periodic job tells notify.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from services.order_confirm.models import ProjectionRow
from services.order_confirm.telephony.projection import publish, watch


def quiet_logins(session: Session) -> int:
    """Send `offline` for operators notify believes signed in whose logins went quiet; returns how many."""
    rows = session.exec(select(ProjectionRow).where(col(ProjectionRow.kind) == publish.PRESENCE))
    believed = {row.subject_id for row in rows if row.state.get("status") != "offline"}
    if not believed:
        return 0
    ctx = watch.context(session)
    return publish.presence(
        ctx, publish.projected_tenants(session), believed - publish.signed_in(ctx, sorted(believed))
    )
