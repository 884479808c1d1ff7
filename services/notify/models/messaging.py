from __future__ import annotations

from services.common.messaging.tables import (
    DeadLetterColumns,
    InboxColumns,
    OutboxColumns,
    outbox_indexes,
)
from services.notify.tables import NotifyModel


class OutboxMessage(NotifyModel, OutboxColumns, table=True):
    __tablename__ = "notify_outbox"
    __table_args__ = outbox_indexes("notify_outbox")


class InboxMessage(NotifyModel, InboxColumns, table=True):
    __tablename__ = "notify_inbox"


class DeadLetter(NotifyModel, DeadLetterColumns, table=True):
    __tablename__ = "notify_dead_letters"
