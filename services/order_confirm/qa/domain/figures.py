"""The QA report figures, from evaluated calls already loaded: quality against the target, critical-error
rate, the criteria failed most, disputes and their outcomes, and the customers' own ratings beside them.

Pure and exact: the average of scores is a fraction of their hundredths, rounded half up once, so every
database and every export gives the same number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from services.order_confirm.domain.service_level import net_promoter_score, share
from services.order_confirm.qa.domain.scoring import round_half_up


@dataclass(frozen=True)
class EvaluatedCall:
    """The current version of one submitted, regular evaluation, with what the reports group by."""

    evaluation_id: int
    operator_id: int
    team_id: int | None  # the operator's supervisor
    week: str  # ISO week label of the call's local day
    score_hundredths: int
    critical: bool
    below_threshold: bool
    answers: dict[str, str]
    dispute: str | None = None  # open | upheld | rejected
    score_change_hundredths: int | None = None  # upheld: current minus the disputed version


@dataclass(frozen=True)
class RatedCall:
    """A call the customer rated in the survey."""

    operator_id: int
    team_id: int | None
    week: str
    csat: int | None
    nps: int | None


Key = Callable[[Any], str]


def average_percent(hundredths: Iterable[int]) -> float | None:
    values = list(hundredths)
    if not values:
        return None
    return round_half_up(Fraction(sum(values), len(values))) / 100


def quality_figures(calls: list[EvaluatedCall], ratings: list[RatedCall], target: int) -> dict[str, Any]:
    score = average_percent(call.score_hundredths for call in calls)
    critical = sum(1 for call in calls if call.critical)
    return {
        "evaluations": len(calls),
        "score": score,
        "target": target,
        "vs_target": None if score is None else round(score - target, 2),
        "critical_errors": critical,
        "critical_error_rate": share(critical, len(calls)),
        "below_threshold": sum(1 for call in calls if call.below_threshold),
        **rating_figures(ratings),
    }


def rating_figures(ratings: list[RatedCall]) -> dict[str, Any]:
    csat = [r.csat for r in ratings if r.csat is not None]
    nps = [r.nps for r in ratings if r.nps is not None]
    return {
        "csat_count": len(csat),
        "csat_average": round(sum(csat) / len(csat), 2) if csat else None,
        "nps_count": len(nps),
        "nps": net_promoter_score(sum(1 for n in nps if n >= 9), sum(1 for n in nps if n <= 6), len(nps)),
    }


def dispute_figures(calls: list[EvaluatedCall]) -> dict[str, Any]:
    disputed = [call for call in calls if call.dispute is not None]
    upheld = [call for call in disputed if call.dispute == "upheld"]
    changes = [call.score_change_hundredths for call in upheld if call.score_change_hundredths is not None]
    return {
        "evaluations": len(calls),
        "disputes": len(disputed),
        "dispute_rate": share(len(disputed), len(calls)),
        "open": sum(1 for call in disputed if call.dispute == "open"),
        "upheld": len(upheld),
        "rejected": sum(1 for call in disputed if call.dispute == "rejected"),
        "upheld_share": share(len(upheld), len(upheld) + sum(1 for c in disputed if c.dispute == "rejected")),
        "upheld_score_change": average_percent(changes),
    }


def grouped(
    calls: list[EvaluatedCall], ratings: list[RatedCall], key: Key
) -> dict[str, tuple[list[EvaluatedCall], list[RatedCall]]]:
    groups: dict[str, tuple[list[EvaluatedCall], list[RatedCall]]] = defaultdict(lambda: ([], []))
    for call in calls:
        groups[key(call)][0].append(call)
    for rating in ratings:
        groups[key(rating)][1].append(rating)
    return dict(groups)


@dataclass(frozen=True)
class CriterionTally:
    key: str
    applicable: int
    yes: int
    partly: int
    no: int

    @property
    def fail_rate(self) -> float | None:
        return share(self.no, self.applicable)


def criteria_tally(calls: list[EvaluatedCall]) -> list[CriterionTally]:
    """Per criterion key, how often it applied and how it was answered; the most failed first."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for call in calls:
        for key, answer in call.answers.items():
            counts[key][answer] += 1
    tallies = [
        CriterionTally(key, c["yes"] + c["partly"] + c["no"], c["yes"], c["partly"], c["no"])
        for key, c in counts.items()
    ]
    return sorted(tallies, key=lambda t: (-t.no, -(t.fail_rate or 0), -t.partly, t.key))
