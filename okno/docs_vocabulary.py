"""docs/vocabulary.md, generated from order_confirm's enums and glossary (`okno docs write`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from services.order_confirm.domain import glossary

Word = TypeVar("Word", bound=StrEnum)

HEADER = """# Vocabulary

Every word order_confirm stores and answers with, and what it means: order and task statuses, call
dispositions, task kinds, operator statuses, roles, the kinds of a customer's timeline and the actions of the
audit log. Generated from `services/order_confirm/domain/vocabulary.py` and `domain/glossary.py` by
`okno docs write`; `tests/common/test_vocabulary_docs.py` fails when the code writes a word this page lacks.
What Okno posts to the shop is in [outcomes.md](outcomes.md).
"""


def _table(title: str, intro: str, rows: Iterable[tuple[str, ...]], columns: tuple[str, ...]) -> str:
    lines = [f"## {title}", "", intro, "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _enum_rows(meanings: Mapping[Word, str]) -> list[tuple[str, str]]:
    return [(f"`{value.value}`", meaning) for value, meaning in meanings.items()]


def render() -> str:
    sections = [
        _table(
            "Order statuses",
            "`status` of an order (`GET /api/v1/orders/{id}`); the allowed moves are `domain/state_machine.py`.",
            _enum_rows(glossary.ORDER_STATUSES),
            ("status", "meaning"),
        ),
        _table(
            "Call dispositions",
            "How a call ended (`POST /api/v1/orders/{id}/attempts` `disposition`).",
            _enum_rows(glossary.DISPOSITIONS),
            ("disposition", "meaning"),
        ),
        _table(
            "Cancel reasons",
            "`reason_code` of a `cancelled` call (also sent to the shop in `order.cancelled`).",
            _enum_rows(glossary.CANCEL_REASONS),
            ("reason_code", "meaning"),
        ),
        _table(
            "Wrong-number reasons",
            "`reason_code` of a `wrong_number` call.",
            _enum_rows(glossary.WRONG_NUMBER_REASONS),
            ("reason_code", "meaning"),
        ),
        _table(
            "Confirmation channels",
            "`channel` of a confirmation without a call (`POST /api/v1/orders/{id}/confirm` with a `reason`).",
            _enum_rows(glossary.CONFIRM_CHANNELS),
            ("channel", "meaning"),
        ),
        _table(
            "Task kinds",
            "`kind` of a task in a queue (`GET /api/v1/queue`): why someone has to act.",
            _enum_rows(glossary.TASK_KINDS),
            ("kind", "meaning"),
        ),
        _table("Task statuses", "`status` of a task.", _enum_rows(glossary.TASK_STATUSES), ("status", "meaning")),
        _table(
            "Operator statuses",
            "`PUT /api/v1/me/status`, `PUT /api/v1/operators/{id}/status`, `okno operator status`.",
            _enum_rows(glossary.OPERATOR_STATUSES),
            ("status", "meaning"),
        ),
        _table("Roles", "`role` of a login.", _enum_rows(glossary.ROLES), ("role", "meaning")),
        _table(
            "Timeline kinds",
            "`kind` of a line of a customer's timeline (`GET /api/v1/customers/{id}`), newest first in the console.",
            [(f"`{kind}`", meaning) for kind, meaning in glossary.TIMELINE_KINDS.items()],
            ("kind", "meaning"),
        ),
        _table(
            "Audit actions",
            "`action` of an audit entry (`GET /api/v1/audit`): who (`actor`: a login or `system:<component>`) "
            "changed what (`entity`, `entity_id`), `before` → `after`.",
            [(f"`{action}`", f"`{entity}`", meaning) for action, (entity, meaning) in glossary.AUDIT_ACTIONS.items()],
            ("action", "entity", "meaning"),
        ),
    ]
    return HEADER + "".join("\n" + section for section in sections)
