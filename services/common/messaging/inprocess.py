"""The embedded mode's broker: dramatiq's in-memory broker plus worker threads in the same process.

Memory does not survive a restart, so outbox rows are marked published only once the worker has handled
their message (or given up on it); after a restart the sweep publishes whatever was still in memory.
"""

from __future__ import annotations

import json
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware, Retries

from services.common.messaging.backlog import Backlog
from services.common.messaging.outbox import Outbox


class ConfirmDeliveryMiddleware(Middleware):
    def __init__(self, outboxes: list[Outbox]) -> None:
        self.outboxes = outboxes

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is not None and not message.failed:
            return  # it will be retried from memory; not handled yet
        if not message.args:
            return
        message_id = str(json.loads(message.args[0]).get("message_id", ""))
        for outbox in self.outboxes:
            if outbox.confirm_delivered(message_id):
                return


def use_in_process_delivery(broker: dramatiq.Broker, outboxes: list[Outbox]) -> None:
    for outbox in outboxes:
        outbox.confirm_on_delivery = True
        outbox.backlog = Backlog(broker)
    # "after" hooks run in reverse order: sitting before Retries, this one sees its verdict.
    broker.add_middleware(ConfirmDeliveryMiddleware(outboxes), before=Retries)
