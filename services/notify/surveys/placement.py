"""The placement actor: takes a survey call id, opens its own sessions, dials (see surveys/dispatch.py).

Not a `contracts` message: it never leaves notify. Its argument is a JSON object so the shared
middlewares (dead letters, in-process delivery) can read it like any other message.
"""

from __future__ import annotations

import json
from typing import Any

import dramatiq

from contracts.routing import Queue
from services.common.runtime import Runtime
from services.notify.settings import NotifySettings
from services.notify.surveys.dispatch import place_survey_call

PLACE_SURVEY_CALL = "notify.survey_call.place"


def bind_survey_placement(runtime: Runtime[NotifySettings]) -> None:
    if PLACE_SURVEY_CALL in runtime.broker.actors:
        return

    def place(message: str) -> None:
        place_survey_call(runtime, int(json.loads(message)["survey_call_id"]))

    place.__name__ = "notify_survey_call_place"
    dramatiq.Actor(
        place,
        broker=runtime.broker,
        actor_name=PLACE_SURVEY_CALL,
        queue_name=Queue.NOTIFY.value,
        priority=0,
        # Placement failures are handled in the survey row (backoff, then "failed"); these retries only
        # cover a database hiccup, and a claimed row is never dialled twice.
        options={"max_retries": 3, "min_backoff": runtime.retry.min_backoff_ms, "max_backoff": 60_000},
    )


def enqueue_survey_placement(runtime: Runtime[NotifySettings], survey_id: int) -> None:
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name=Queue.NOTIFY.value,
        actor_name=PLACE_SURVEY_CALL,
        args=(json.dumps({"survey_call_id": survey_id}),),
        kwargs={},
        options={},
    )
    runtime.broker.enqueue(message)
