"""The voice menu as a pure state machine: which question, which try, what a keypress means.

CSAT 1-5 (one key), NPS 0-10 (digits then `#`, so "10" is unambiguous), then the optional last question
(1 = a supervisor should call back, 9 = never survey me again). No input or an invalid key repeats a
question once, then the survey moves on; silence on the optional last question simply means "no".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_TRIES = 2
CALLBACK_YES = 1
OPT_OUT = 9


class Question(StrEnum):
    CSAT = "csat"
    NPS = "nps"
    CALLBACK = "callback"


@dataclass(frozen=True)
class Step:
    question: Question
    attempt: int = 1  # 1 = first time asked, 2 = repeated after no/invalid input

    @property
    def key(self) -> str:
        """The idempotency key of this step within one call (with the CallSid)."""
        return f"{self.question.value}:{self.attempt}"


@dataclass(frozen=True)
class Transition:
    answer: int | None  # the accepted value, None when the input was missing or invalid
    next_step: Step | None  # None = say thanks and hang up


def questions(ask_callback: bool) -> tuple[Question, ...]:
    return (Question.CSAT, Question.NPS, Question.CALLBACK) if ask_callback else (Question.CSAT, Question.NPS)


def first_step() -> Step:
    return Step(Question.CSAT)


def parse(question: Question, digits: str | None) -> int | None:
    """The value a caller meant, or None when the keys do not answer the question."""
    keys = (digits or "").strip().rstrip("#")
    if not keys.isdigit():
        return None
    value = int(keys)
    if question is Question.CSAT:
        return value if len(keys) == 1 and 1 <= value <= 5 else None
    if question is Question.NPS:
        return value if len(keys) <= 2 and 0 <= value <= 10 else None
    return value if keys in (str(CALLBACK_YES), str(OPT_OUT)) else None


def after_input(step: Step, digits: str | None, ask_callback: bool) -> Transition:
    answer = parse(step.question, digits)
    silent = not (digits or "").strip()
    optional_declined = step.question is Question.CALLBACK and silent
    if answer is None and step.attempt < MAX_TRIES and not optional_declined:
        return Transition(None, Step(step.question, step.attempt + 1))
    return Transition(answer, _next_question(step.question, ask_callback))


def _next_question(current: Question, ask_callback: bool) -> Step | None:
    order = questions(ask_callback)
    index = order.index(current) + 1
    return Step(order[index]) if index < len(order) else None
