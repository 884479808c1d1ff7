"""Calibration: several evaluators score the same conversation on the same scorecard, independently; the
spread shows how far apart they are, per criterion and in total (the goal is at most 5 points).

A criterion's spread is the highest minus the lowest points given for it (on the 100-point card) by the
evaluators who found it applicable; when some said "not applicable" and others scored it, that is shown
as a disagreement of its own (`applicability_differs`), because no number of points describes it. The
total spread is the highest minus the lowest score, in percentage points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from services.order_confirm.qa.domain.scorecard import Answer, Scorecard
from services.order_confirm.qa.domain.scoring import round_half_up, score

DEFAULT_GOAL_POINTS = 5


@dataclass(frozen=True)
class CriterionSpread:
    key: str
    answers: dict[int, Answer]  # evaluator id -> answer
    spread_hundredths: int  # of a point: 250 = 2.5 points
    applicability_differs: bool


@dataclass(frozen=True)
class CalibrationSpread:
    scores: dict[int, int]  # evaluator id -> score in hundredths of a percent
    total_spread_hundredths: int
    criteria: tuple[CriterionSpread, ...]
    goal_points: int

    @property
    def within_goal(self) -> bool:
        return self.total_spread_hundredths <= self.goal_points * 100

    @property
    def criteria_over_goal(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria if c.spread_hundredths > self.goal_points * 100)


def calibration_spread(
    scorecard: Scorecard, answers_by_evaluator: Mapping[int, Mapping[str, str]], *, goal_points: int
) -> CalibrationSpread:
    """Needs at least one evaluator; every evaluator's answers must fit the scorecard (else InvalidAnswers)."""
    scores = {evaluator: score(scorecard, answers).hundredths for evaluator, answers in answers_by_evaluator.items()}
    criteria = []
    for criterion in scorecard.criteria():
        given = {evaluator: Answer(answers[criterion.key]) for evaluator, answers in answers_by_evaluator.items()}
        points = [p for p in (criterion.points(answer) for answer in given.values()) if p is not None]
        spread = max(points) - min(points) if points else Fraction(0)
        differs = 0 < len(points) < len(given)
        criteria.append(CriterionSpread(criterion.key, given, round_half_up(spread * 100), differs))
    total = max(scores.values()) - min(scores.values()) if scores else 0
    return CalibrationSpread(scores, total, tuple(criteria), goal_points)
