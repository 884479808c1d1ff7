"""Reading the projection messages order_confirm wrote to its outbox (what notify will receive)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from services.order_confirm.models import OutboxMessage

PROJECTION = ("telephony_settings.changed", "operator_presence.changed", "cover.changed", "customer_routes.changed")


class Outbox:
    """The outbox as a cursor: `new()` returns the messages written since the previous call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen = 0

    def new(self, *types: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(type, tenant, payload) of new messages of these types (default: the projection's), oldest first."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(OutboxMessage).where(col(OutboxMessage.id) > self.seen).order_by(col(OutboxMessage.id))
            ).all()
        if rows:
            self.seen = max(row.id or 0 for row in rows)
        wanted = types or PROJECTION
        return [(row.message_type, row.tenant, row.envelope["payload"]) for row in rows if row.message_type in wanted]
