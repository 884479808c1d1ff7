from __future__ import annotations

from services.common.messaging.tables import (
    DeadLetterColumns,
    InboxColumns,
    OutboxColumns,
    outbox_indexes,
)
from services.integrations.models.base import IntegrationsModel


class OutboxMessage(IntegrationsModel, OutboxColumns, table=True):
    __tablename__ = "integrations_outbox"
    __table_args__ = outbox_indexes("integrations_outbox")


class InboxMessage(IntegrationsModel, InboxColumns, table=True):
    __tablename__ = "integrations_inbox"


class DeadLetter(IntegrationsModel, DeadLetterColumns, table=True):
    __tablename__ = "integrations_dead_letters"
