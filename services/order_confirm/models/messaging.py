from __future__ import annotations

from services.common.messaging.tables import (
    DeadLetterColumns,
    InboxColumns,
    OutboxColumns,
    outbox_indexes,
)
from services.order_confirm.models.base import OrderConfirmModel


class OutboxMessage(OrderConfirmModel, OutboxColumns, table=True):
    __tablename__ = "order_confirm_outbox"
    __table_args__ = outbox_indexes("order_confirm_outbox")


class InboxMessage(OrderConfirmModel, InboxColumns, table=True):
    __tablename__ = "order_confirm_inbox"


class DeadLetter(OrderConfirmModel, DeadLetterColumns, table=True):
    __tablename__ = "order_confirm_dead_letters"
