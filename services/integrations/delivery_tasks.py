"""The dramatiq actor that sends deliveries right after the consumer that recorded them commits.

Not a contracts consumer (no inbox): it carries only delivery ids, and sending is idempotent by itself
(a delivery is claimed before it is pushed). If this message is lost, the scheduler's sweep sends them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import dramatiq
import structlog
from sqlalchemy import event
from sqlmodel import Session

from contracts.routing import Queue
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.delivery_sender import send_due

log = structlog.get_logger(__name__)
SEND_ACTOR = "integrations.deliveries.send"


def bind(runtime: IntegrationsRuntime) -> None:
    if SEND_ACTOR in runtime.broker.actors:
        return

    def send_deliveries(body: str) -> None:
        send_due(runtime, only=[int(i) for i in json.loads(body)["delivery_ids"]])

    send_deliveries.__name__ = "integrations_deliveries_send"
    dramatiq.Actor(
        send_deliveries,
        broker=runtime.broker,
        actor_name=SEND_ACTOR,
        queue_name=Queue.INTEGRATIONS.value,
        priority=0,
        options={"max_retries": 0},
    )


def send_after_commit(runtime: IntegrationsRuntime, session: Session, delivery_ids: Sequence[int]) -> None:
    if not delivery_ids:
        return
    body = json.dumps({"delivery_ids": list(delivery_ids)})

    def enqueue(_: Session) -> None:
        try:
            runtime.broker.enqueue(
                dramatiq.Message(
                    queue_name=Queue.INTEGRATIONS.value,
                    actor_name=SEND_ACTOR,
                    args=(body,),
                    kwargs={},
                    options={},
                )
            )
        except Exception as error:  # broker hiccup: the scheduler's sweep sends these deliveries instead
            log.warning("delivery.enqueue_failed", error=repr(error))

    event.listen(session, "after_commit", enqueue, once=True)
