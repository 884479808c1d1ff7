"""Tables of notify. Importing this package registers all of them on `metadata`."""

from services.notify.models.base import NotifyModel, metadata
from services.notify.models.messaging import DeadLetter, InboxMessage, OutboxMessage

__all__ = ["DeadLetter", "InboxMessage", "OutboxMessage", "NotifyModel", "metadata"]
