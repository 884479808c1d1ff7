"""A scorecard: sections of criteria, each with a weight, the answers it allows and whether it is critical.

Weights are points of a 100-point card: they must add up to exactly 100, so a reader of an evaluation can
tell what each criterion is worth without arithmetic. A critical criterion answered "no" zeroes the whole
evaluation (wrong price or payment data given, personal data disclosed, rudeness); it may carry points of
its own or none. "Partly" earns half the points; "not applicable" takes the criterion out of the card for
that call (its points leave both what was earned and what was possible).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from services.common.problems import Unprocessable

TOTAL_POINTS = 100
MAX_SECTIONS = 20
MAX_CRITERIA = 60
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")


class Answer(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    NA = "na"  # not applicable to this call


# Share of a criterion's points each answer earns (N/A earns nothing and is not possible either).
CREDIT: Mapping[Answer, Fraction] = {Answer.YES: Fraction(1), Answer.PARTLY: Fraction(1, 2), Answer.NO: Fraction(0)}
ALL_ANSWERS = (Answer.YES, Answer.PARTLY, Answer.NO, Answer.NA)


class InvalidScorecard(Unprocessable):
    code, title = "invalid_scorecard", "The scorecard is not valid"


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    weight: int
    critical: bool = False
    answers: tuple[Answer, ...] = ALL_ANSWERS
    description: str = ""

    def points(self, answer: Answer) -> Fraction | None:
        """Points this answer earns on the 100-point card; None for N/A."""
        return None if answer is Answer.NA else self.weight * CREDIT[answer]


@dataclass(frozen=True)
class Section:
    title: str
    criteria: tuple[Criterion, ...]

    @property
    def weight(self) -> int:
        return sum(criterion.weight for criterion in self.criteria)


@dataclass(frozen=True)
class Scorecard:
    name: str
    sections: tuple[Section, ...]
    _by_key: dict[str, Criterion] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {criterion.key: criterion for criterion in self.criteria()})

    def criteria(self) -> Iterator[Criterion]:
        for section in self.sections:
            yield from section.criteria

    def criterion(self, key: str) -> Criterion | None:
        return self._by_key.get(key)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._by_key)

    def to_document(self) -> dict[str, Any]:
        """The stored (JSON) form; `scorecard_from_document` reads it back."""
        return {
            "name": self.name,
            "sections": [
                {
                    "title": section.title,
                    "criteria": [
                        {
                            "key": c.key,
                            "title": c.title,
                            "description": c.description,
                            "weight": c.weight,
                            "critical": c.critical,
                            "answers": [answer.value for answer in c.answers],
                        }
                        for c in section.criteria
                    ],
                }
                for section in self.sections
            ],
        }


def scorecard_from_document(document: Mapping[str, Any]) -> Scorecard:
    return Scorecard(
        name=str(document["name"]),
        sections=tuple(
            Section(
                title=str(section["title"]),
                criteria=tuple(
                    Criterion(
                        key=str(c["key"]),
                        title=str(c["title"]),
                        weight=int(c["weight"]),
                        critical=bool(c.get("critical", False)),
                        answers=tuple(Answer(answer) for answer in c.get("answers", ALL_ANSWERS)),
                        description=str(c.get("description", "")),
                    )
                    for c in section["criteria"]
                ),
            )
            for section in document["sections"]
        ),
    )


def check_scorecard(scorecard: Scorecard) -> Scorecard:
    """The scorecard, or InvalidScorecard naming every problem (field paths as the API's body has them)."""
    errors = _structure_errors(scorecard)
    for s, section in enumerate(scorecard.sections):
        for c, criterion in enumerate(section.criteria):
            errors.extend(_criterion_errors(criterion, f"sections.{s}.criteria.{c}"))
    errors.extend(_duplicate_keys(scorecard))
    total = sum(section.weight for section in scorecard.sections)
    if scorecard.sections and total != TOTAL_POINTS:
        by_section = ", ".join(f"{section.title!r} {section.weight}" for section in scorecard.sections)
        errors.append(
            {
                "field": "sections",
                "message": f"The weights add up to {total}, not {TOTAL_POINTS} ({by_section}).",
            }
        )
    if errors:
        raise InvalidScorecard(errors[0]["message"] if len(errors) == 1 else "See `errors`.", errors=errors)
    return scorecard


def _structure_errors(scorecard: Scorecard) -> list[dict[str, str]]:
    errors = []
    if not scorecard.name.strip():
        errors.append({"field": "name", "message": "The scorecard needs a name."})
    if not 1 <= len(scorecard.sections) <= MAX_SECTIONS:
        errors.append({"field": "sections", "message": f"A scorecard has 1 to {MAX_SECTIONS} sections."})
    count = sum(len(section.criteria) for section in scorecard.sections)
    if count > MAX_CRITERIA:
        errors.append({"field": "sections", "message": f"A scorecard has at most {MAX_CRITERIA} criteria."})
    for s, section in enumerate(scorecard.sections):
        if not section.title.strip():
            errors.append({"field": f"sections.{s}.title", "message": "A section needs a title."})
        if not section.criteria:
            errors.append({"field": f"sections.{s}.criteria", "message": "A section needs at least one criterion."})
    return errors


def _criterion_errors(criterion: Criterion, path: str) -> list[dict[str, str]]:
    errors = []
    if not KEY_PATTERN.match(criterion.key):
        message = "1-40 lowercase letters, digits or '_', starting with a letter or digit."
        errors.append({"field": f"{path}.key", "message": message})
    if not criterion.title.strip():
        errors.append({"field": f"{path}.title", "message": "A criterion needs a title."})
    lowest = 0 if criterion.critical else 1
    if not lowest <= criterion.weight <= TOTAL_POINTS:
        what = "A critical criterion" if criterion.critical else "A criterion that is not critical"
        errors.append({"field": f"{path}.weight", "message": f"{what} weighs {lowest} to {TOTAL_POINTS} points."})
    if Answer.YES not in criterion.answers or Answer.NO not in criterion.answers:
        errors.append({"field": f"{path}.answers", "message": "Every criterion allows at least 'yes' and 'no'."})
    if len(set(criterion.answers)) != len(criterion.answers):
        errors.append({"field": f"{path}.answers", "message": "An answer is listed twice."})
    if criterion.critical and Answer.PARTLY in criterion.answers:
        message = "A critical criterion is met or failed: it cannot allow 'partly'."
        errors.append({"field": f"{path}.answers", "message": message})
    return errors


def _duplicate_keys(scorecard: Scorecard) -> list[dict[str, str]]:
    seen: set[str] = set()
    errors = []
    for s, section in enumerate(scorecard.sections):
        for c, criterion in enumerate(section.criteria):
            if criterion.key in seen:
                field_path = f"sections.{s}.criteria.{c}.key"
                errors.append({"field": field_path, "message": f"The key {criterion.key!r} is used twice."})
            seen.add(criterion.key)
    return errors
