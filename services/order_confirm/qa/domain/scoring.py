"""The score of one evaluation: points earned over points possible, N/A excluded, a critical failure = 0.

Exact arithmetic (fractions) and one rounding at the end, half up to hundredths of a percent, so the same
answers give the same score on every database and in every report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from math import floor

from services.common.problems import Unprocessable
from services.order_confirm.qa.domain.scorecard import Answer, Scorecard

HUNDREDTHS = 100 * 100  # a score is stored as hundredths of a percent: 87.5 % = 8750


class InvalidAnswers(Unprocessable):
    code, title = "invalid_answers", "The answers do not fit the scorecard"


@dataclass(frozen=True)
class Score:
    hundredths: int  # 0..10000: hundredths of a percent
    earned: Fraction  # points earned (of the applicable ones), before any critical failure
    possible: int  # points of the criteria that applied to this call
    critical_failures: tuple[str, ...]  # criterion keys answered "no" that are critical
    failed: tuple[str, ...]  # criterion keys answered "no" (critical ones included)
    partly: tuple[str, ...]  # criterion keys answered "partly"

    @property
    def percent(self) -> float:
        return self.hundredths / 100

    def below(self, threshold_percent: int) -> bool:
        return self.hundredths < threshold_percent * 100


def round_half_up(value: Fraction) -> int:
    return floor(value + Fraction(1, 2))


def percent_hundredths(earned: Fraction, possible: int) -> int:
    """100 · earned / possible in hundredths of a percent, rounded half up."""
    return round_half_up(earned * HUNDREDTHS / possible)


def check_answers(scorecard: Scorecard, answers: Mapping[str, str]) -> dict[str, Answer]:
    """Every criterion answered with one of its own answers, nothing else; InvalidAnswers lists each problem."""
    errors = []
    for key in answers:
        if scorecard.criterion(key) is None:
            errors.append({"field": f"answers.{key}", "message": f"The scorecard has no criterion {key!r}."})
    checked: dict[str, Answer] = {}
    for criterion in scorecard.criteria():
        given = answers.get(criterion.key)
        allowed = ", ".join(answer.value for answer in criterion.answers)
        if given is None:
            message = f"Not answered; answer one of: {allowed}."
            errors.append({"field": f"answers.{criterion.key}", "message": message})
        elif given not in {answer.value for answer in criterion.answers}:
            message = f"{given!r} is not an answer of this criterion; answer one of: {allowed}."
            errors.append({"field": f"answers.{criterion.key}", "message": message})
        else:
            checked[criterion.key] = Answer(given)
    if errors:
        raise InvalidAnswers(errors[0]["message"] if len(errors) == 1 else "See `errors`.", errors=errors)
    if all(answer is Answer.NA for answer in checked.values()):
        message = "Every criterion is 'not applicable': there is nothing to score."
        raise InvalidAnswers(message, errors=[{"field": "answers", "message": message}])
    return checked


def score(scorecard: Scorecard, answers: Mapping[str, str]) -> Score:
    checked = check_answers(scorecard, answers)
    earned, possible = Fraction(0), 0
    failed, partly, critical = [], [], []
    for criterion in scorecard.criteria():
        answer = checked[criterion.key]
        points = criterion.points(answer)
        if points is None:
            continue
        earned += points
        possible += criterion.weight
        if answer is Answer.NO:
            failed.append(criterion.key)
            if criterion.critical:
                critical.append(criterion.key)
        elif answer is Answer.PARTLY:
            partly.append(criterion.key)
    if critical:
        hundredths = 0
    elif possible == 0:
        # Only zero-weight (critical) criteria applied and none failed: nothing was lost.
        hundredths = HUNDREDTHS
    else:
        hundredths = percent_hundredths(earned, possible)
    return Score(hundredths, earned, possible, tuple(critical), tuple(failed), tuple(partly))
