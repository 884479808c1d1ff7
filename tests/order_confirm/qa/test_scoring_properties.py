"""Score arithmetic: weights, N/A excluded, a critical "no" zeroes the call; and which scorecards are valid."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.order_confirm.qa.domain.scorecard import (
    Answer,
    Criterion,
    InvalidScorecard,
    Scorecard,
    Section,
    check_scorecard,
    scorecard_from_document,
)
from services.order_confirm.qa.domain.scoring import InvalidAnswers, score
from services.order_confirm.qa.domain.starter import starter_scorecard
from tests.order_confirm.qa.strategies import PATIENT, answered, scorecards

CREDIT = {"yes": Fraction(1), "partly": Fraction(1, 2), "no": Fraction(0)}


def reference_hundredths(card: Scorecard, answers: dict[str, str]) -> int:
    """Written independently of the module: the textbook definition, rounded half up to 0.01 %."""
    if any(c.critical and answers[c.key] == "no" for c in card.criteria()):
        return 0
    applicable = [c for c in card.criteria() if answers[c.key] != "na"]
    possible = sum(c.weight for c in applicable)
    if possible == 0:
        return 10000
    exact = Fraction(10000) * sum((c.weight * CREDIT[answers[c.key]] for c in applicable), Fraction(0)) / possible
    whole, rest = divmod(exact, 1)
    return int(whole) + (1 if rest >= Fraction(1, 2) else 0)


@PATIENT
@given(scorecards())
def test_generated_scorecards_are_valid_and_survive_storage(card: Scorecard) -> None:
    assert check_scorecard(card) is card
    assert scorecard_from_document(card.to_document()) == card


@PATIENT
@given(answered())
def test_the_score_is_the_weighted_share_of_applicable_points_or_zero_on_a_critical_failure(
    case: tuple[Scorecard, dict[str, str]],
) -> None:
    card, answers = case
    result = score(card, answers)
    assert result.hundredths == reference_hundredths(card, answers)
    assert 0 <= result.hundredths <= 10000
    assert set(result.critical_failures) == {c.key for c in card.criteria() if c.critical and answers[c.key] == "no"}
    assert set(result.failed) == {key for key, answer in answers.items() if answer == "no"}
    assert set(result.partly) == {key for key, answer in answers.items() if answer == "partly"}


@PATIENT
@given(answered(), st.data())
def test_a_criterion_answered_na_leaves_the_score_as_if_it_were_not_on_the_card(
    case: tuple[Scorecard, dict[str, str]], data: st.DataObject
) -> None:
    card, answers = case
    na_keys = [c.key for c in card.criteria() if Answer.NA in c.answers and answers[c.key] != "na"]
    if not na_keys or sum(1 for value in answers.values() if value != "na") < 2:
        return
    key = data.draw(st.sampled_from(na_keys))
    with_na = score(card, {**answers, key: "na"})
    without = Scorecard(
        card.name,
        tuple(
            Section(s.title, tuple(c for c in s.criteria if c.key != key)) for s in card.sections if s.criteria != ()
        ),
    )
    rest = {k: v for k, v in answers.items() if k != key}
    assert with_na.hundredths == reference_hundredths(without, rest)


@PATIENT
@given(answered(), st.data())
def test_a_better_answer_never_lowers_the_score(case: tuple[Scorecard, dict[str, str]], data: st.DataObject) -> None:
    card, answers = case
    upgrades = [
        (c.key, better)
        for c in card.criteria()
        for worse, better in (("no", "partly"), ("partly", "yes"), ("no", "yes"))
        if answers[c.key] == worse and Answer(better) in c.answers
    ]
    if not upgrades:
        return
    key, better = data.draw(st.sampled_from(upgrades))
    assert score(card, {**answers, key: better}).hundredths >= score(card, answers).hundredths


@PATIENT
@given(answered())
def test_any_critical_no_zeroes_and_all_yes_is_full_marks(case: tuple[Scorecard, dict[str, str]]) -> None:
    card, answers = case
    critical = [c for c in card.criteria() if c.critical]
    if critical:
        assert score(card, {**answers, critical[0].key: "no"}).hundredths == 0
    assert score(card, {c.key: "yes" for c in card.criteria()}).hundredths == 10000


@PATIENT
@given(answered(), st.sampled_from(["maybe", "YES", "", "partly", "na"]))
def test_an_answer_a_criterion_does_not_allow_is_refused_with_the_allowed_ones(
    case: tuple[Scorecard, dict[str, str]], wrong: str
) -> None:
    card, answers = case
    criterion = next(card.criteria())
    if wrong in {answer.value for answer in criterion.answers}:
        return
    with pytest.raises(InvalidAnswers) as refused:
        score(card, {**answers, criterion.key: wrong})
    assert refused.value.extra["errors"] == [
        {
            "field": f"answers.{criterion.key}",
            "message": f"{wrong!r} is not an answer of this criterion; answer one of: "
            + ", ".join(a.value for a in criterion.answers)
            + ".",
        }
    ]


def test_known_scores_of_the_starter_card() -> None:
    card = check_scorecard(starter_scorecard("en"))
    perfect = {c.key: "yes" for c in card.criteria()}
    assert score(card, perfect).percent == 100
    # Read back only partly (10 of 20 lost), same-day not applicable (10 points leave the card): 80/90.
    answers = {**perfect, "read_back": "partly", "same_day_offered": "na"}
    assert score(card, answers).hundredths == 8889  # 88.888… % rounds half up to 88.89 %
    assert score(card, {**answers, "polite": "no"}).hundredths == 0
    assert score(card, {**answers, "polite": "no"}).critical_failures == ("polite",)
    with pytest.raises(InvalidAnswers) as missing:
        score(card, {k: v for k, v in perfect.items() if k != "closing"})
    assert missing.value.extra["errors"][0]["field"] == "answers.closing"
    optional = Scorecard("Optional", (Section("All", (Criterion("a", "A", 60), Criterion("b", "B", 40))),))
    with pytest.raises(InvalidAnswers, match="nothing to score"):
        score(optional, {"a": "na", "b": "na"})


def test_weights_that_do_not_add_up_are_refused_with_the_sum_per_section() -> None:
    card = starter_scorecard("en")
    opening = card.sections[0]
    lighter = replace(opening, criteria=(replace(opening.criteria[0], weight=5), *opening.criteria[1:]))
    with pytest.raises(InvalidScorecard) as refused:
        check_scorecard(replace(card, sections=(lighter, *card.sections[1:])))
    assert refused.value.extra["errors"] == [
        {
            "field": "sections",
            "message": "The weights add up to 95, not 100 ('Greeting and identification' 15, 'The order' 40, "
            "'Selling and objections' 20, 'Closing' 20, 'Critical errors' 0).",
        }
    ]


def test_every_rule_of_a_criterion_is_reported_at_its_field() -> None:
    card = Scorecard(
        "Bad",
        (
            Section(
                "One",
                (
                    Criterion("Bad Key", "", 0),
                    Criterion("rude", "Rude", 50, critical=True, answers=(Answer.YES, Answer.PARTLY, Answer.NO)),
                    Criterion("rude", "Twice", 50, answers=(Answer.YES,)),
                ),
            ),
        ),
    )
    with pytest.raises(InvalidScorecard) as refused:
        check_scorecard(card)
    fields = [error["field"] for error in refused.value.extra["errors"]]
    assert fields == [
        "sections.0.criteria.0.key",
        "sections.0.criteria.0.title",
        "sections.0.criteria.0.weight",
        "sections.0.criteria.1.answers",
        "sections.0.criteria.2.answers",
        "sections.0.criteria.2.key",
    ]
