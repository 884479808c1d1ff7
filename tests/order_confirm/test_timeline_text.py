"""Every timeline fact can be told in every language, with every word of the vocabularies it names."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from services.order_confirm.domain import glossary
from services.order_confirm.domain.reasons import CancelReason, ConfirmChannel, WrongNumberReason
from services.order_confirm.domain.timeline_locale import PHRASES
from services.order_confirm.domain.timeline_text import KINDS, LANGUAGES, negotiate, render
from services.order_confirm.domain.vocabulary import Disposition, OrderStatus, TaskKind

# One full fact per kind, as the writers store them.
SAMPLES: dict[str, dict[str, Any]] = {
    "order_received": {"external_id": "A-1", "bad_phone": True},
    "order_changed_by_shop": {"external_id": "A-1", "fields": ["delivery_date", "items"], "after_confirmation": True},
    "order_cancelled_by_shop": {"external_id": "A-1", "previous_status": "confirmed"},
    "owner_assigned": {"owner_id": 1, "owner_name": "Olga"},
    "owner_changed": {"owner_id": 2, "owner_name": "Anna", "reason": "vacation"},
    "attempt": {
        "external_id": "A-1",
        "disposition": "callback_requested",
        "reason_code": None,
        "callback_at": "2026-11-24T08:30:00+00:00",
        "next_attempt_at": None,
    },
    "order_changed": {"external_id": "A-1", "fields": ["comment", "total_minor"]},
    "note": {"text": "after six"},
    "payment_link": {
        "event": "sent",
        "amount": "1500.00",
        "currency": "RUB",
        "slot_start": "2026-11-24T09:00:00+00:00",
        "slot_end": "2026-11-24T12:00:00+00:00",
    },
    "payment": {"amount": "1500.00", "currency": "EUR"},
    "courier": {"courier": "cdek", "shipment_ref": "1002", "status": "not_delivered", "reason": "nobody home"},
    "survey": {"status": "partial", "csat": 4, "nps": None, "skip_reason": None},
    "survey_opt_out": {},
    "task_covered": {"operator_id": 3, "operator_name": "Pavel", "task_kind": "retry"},
    "task_cover_ended": {"operator_id": 1, "operator_name": "Olga", "task_kind": "callback"},
    "order_reopened": {"external_id": "A-1", "attempts_before": 5},
    "confirmed_elsewhere": {"external_id": "A-1", "channel": "messenger", "reason": "said yes"},
    "inbound_call": {
        "operator_name": "Olga",
        "answered_role": "owner",
        "wait_seconds": 7,
        "talk_seconds": 95,
        "external_id": "A-1",
    },  # fmt: skip
    "phone_callback_requested": {"reason": "queue_timeout", "requested_number": "+79161234567"},
}


def test_every_kind_the_glossary_knows_can_be_told() -> None:
    assert set(glossary.TIMELINE_KINDS) == KINDS == set(SAMPLES)


def test_every_language_has_the_same_phrases() -> None:
    assert LANGUAGES == ("ru", "en")
    assert set(PHRASES["ru"]) == set(PHRASES["en"])


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_each_fact_reads_whole_in_each_language(kind: str) -> None:
    russian = render(kind, SAMPLES[kind], language="ru", timezone="Europe/Moscow")
    english = render(kind, SAMPLES[kind], language="en", timezone="Europe/Moscow")
    assert russian and english and "{" not in russian + english
    if kind != "note":  # a note is the operator's own words
        assert any("а" <= letter <= "я" for letter in russian.lower()), russian
        assert russian != english


def test_the_callback_time_is_the_customers() -> None:
    told = render("attempt", SAMPLES["attempt"], language="ru", timezone="Asia/Vladivostok")
    assert told == "Звонок по заказу A-1: просит перезвонить на 24 нояб. 2026, 18:30 (Asia/Vladivostok)"
    assert render("payment", SAMPLES["payment"], language="en") == "Paid EUR\u00a01,500.00 by link"


@pytest.mark.parametrize(
    ("group", "enum"),
    [
        ("disposition", Disposition),
        ("status", OrderStatus),
        ("reason", CancelReason),
        ("reason", WrongNumberReason),
        ("channel", ConfirmChannel),
        ("task_kind", TaskKind),
    ],
)
def test_every_word_of_a_vocabulary_has_a_label(group: str, enum: type[StrEnum]) -> None:
    for language in LANGUAGES:
        missing = [value.value for value in enum if f"{group}.{value.value}" not in PHRASES[language]]
        assert missing == [], (language, group, missing)


def test_a_fact_without_its_parameters_is_not_told() -> None:
    assert render("attempt", {}, language="ru") is None, "a row from before facts: shown as written"
    assert render("attempt", {"external_id": "A-1"}, language="ru") is None
    assert render("no_such_kind", {"x": 1}, language="ru") is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, "ru"), ("en", "en"), ("en-US,en;q=0.9", "en"), ("de, en;q=0.5", "en"), ("ru;q=0.4, en;q=0.8", "en"),
     ("de", "ru"), ("en;q=0", "ru"), ("*", "ru")],
)  # fmt: skip
def test_accept_language_picks_a_language_okno_speaks(header: str | None, expected: str) -> None:
    assert negotiate(header, fallback="ru") == expected
