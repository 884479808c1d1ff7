"""Receipts: a consumer tells a publisher which of its messages are settled, so it stops re-sending them.

Settled means applied (or seen again after being applied) or recorded as a dead letter by the consumer.
A publisher re-sends a published message nobody settled after a grace period (services/common/messaging/
settlement.py); a consumer answers every copy with a receipt, so a lost receipt costs one duplicate.
"""

from __future__ import annotations

import uuid

from pydantic import Field

from contracts.envelope import Strict
from contracts.routing import Queue

MAX_RECEIPT_IDS = 1000


class MessagesSettled(Strict):
    consumer: Queue
    message_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_RECEIPT_IDS)
