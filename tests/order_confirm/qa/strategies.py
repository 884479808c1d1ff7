"""Hypothesis strategies for QA: valid scorecards (weights adding up to 100) and answers that fit them."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from services.order_confirm.qa.domain.scorecard import TOTAL_POINTS, Answer, Criterion, Scorecard, Section

# The test machine is shared and often busy: no per-example deadline, no complaint about slow generation.
PATIENT = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def scorecards(draw: Any, max_criteria: int = 10) -> Scorecard:
    """1..max_criteria criteria in 1..4 sections; non-critical ones weigh at least 1, all add up to 100."""
    count = draw(st.integers(1, max_criteria))
    critical = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    if all(critical):
        critical[0] = draw(st.booleans())
    base = [0 if flag else 1 for flag in critical]
    cuts = sorted(draw(st.lists(st.integers(0, TOTAL_POINTS - sum(base)), min_size=count - 1, max_size=count - 1)))
    shares = [high - low for low, high in zip([0, *cuts], [*cuts, TOTAL_POINTS - sum(base)], strict=True)]
    criteria = []
    for n, (flag, weight) in enumerate(zip(critical, (b + s for b, s in zip(base, shares, strict=True)), strict=True)):
        optional = [Answer.NA] if flag else [Answer.PARTLY, Answer.NA]
        extra = draw(st.lists(st.sampled_from(optional), unique=True))
        answers = (Answer.YES, Answer.NO, *extra)
        criteria.append(Criterion(f"c{n}", f"Criterion {n}", weight, flag, answers))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    sections, start = [], 0
    for n, size in enumerate(sizes):
        chunk = criteria[start : start + size] if n < len(sizes) - 1 else criteria[start:]
        if chunk:
            sections.append(Section(f"Section {n}", tuple(chunk)))
        start += size
    return Scorecard("Generated", tuple(sections))


@st.composite
def answered(draw: Any, max_criteria: int = 10) -> tuple[Scorecard, dict[str, str]]:
    """A scorecard and a complete set of allowed answers, not all of them N/A."""
    card = draw(scorecards(max_criteria))
    answers = {c.key: draw(st.sampled_from(c.answers)).value for c in card.criteria()}
    if all(value == Answer.NA.value for value in answers.values()):
        answers[card.keys[0]] = Answer.YES.value
    return card, answers
