from __future__ import annotations

from services.common.messaging.tables import (
    DeadLetterColumns,
    InboxColumns,
    OutboxColumns,
)
from services.notify.tables import NotifyModel


class OutboxMessage(NotifyModel, OutboxColumns, table=True):
    __tablename__ = "notify_outbox"


class InboxMessage(NotifyModel, InboxColumns, table=True):
    __tablename__ = "notify_inbox"


class DeadLetter(NotifyModel, DeadLetterColumns, table=True):
    __tablename__ = "notify_dead_letters"
