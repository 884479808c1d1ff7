"""The receipt contract (contracts/receipts.py) and the routing assumption settlement rests on."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from contracts.receipts import MAX_RECEIPT_IDS, MessagesSettled
from contracts.routing import ROUTES, Queue, receipt_route


def test_a_receipt_names_a_known_consumer_queue_and_a_bounded_batch_of_ids() -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    receipt = MessagesSettled.model_validate({"consumer": "notify", "message_ids": [str(i) for i in ids]})
    assert receipt.consumer is Queue.NOTIFY and receipt.message_ids == ids
    for wrong in (
        {"consumer": "elsewhere", "message_ids": [str(ids[0])]},
        {"consumer": "notify", "message_ids": []},
        {"consumer": "notify", "message_ids": [str(uuid.uuid4()) for _ in range(MAX_RECEIPT_IDS + 1)]},
        {"consumer": "notify", "message_ids": ["not-a-uuid"]},
        {"consumer": "notify", "message_ids": [str(ids[0])], "extra": 1},
    ):
        with pytest.raises(ValidationError):
            MessagesSettled.model_validate(wrong)


def test_receipts_go_back_to_the_publishers_queue() -> None:
    route = receipt_route(Queue.INTEGRATIONS)
    assert (route.queue, route.actor_name) == (Queue.INTEGRATIONS, "integrations.messages.settled")


def test_every_message_type_has_one_consumer_queue() -> None:
    """An outbox row is settled by one receipt. Before a type goes to two queues, settlement must count
    receipts per queue (services/common/messaging/settlement.py)."""
    assert all(len(queues) == 1 for queues in ROUTES.values())
