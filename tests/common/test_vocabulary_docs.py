"""docs/vocabulary.md and docs/outcomes.md list every word the code writes and every field Okno posts.

Audit actions and timeline kinds are strings at their call sites, so the code is read (ast): every value
passed as `action=` to the audit (directly, through a helper's parameter, or as an f-string) and every `kind=`
of a timeline event must have a meaning in `services/order_confirm/domain/glossary.py`, and every meaning
there must still be written somewhere.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import pytest

from contracts.orders import OrderOutcome
from okno import docs_outcomes
from okno.generated_docs import DOCS_DIR, PAGES
from services.integrations.service.outcome_events import OUTCOMES
from services.order_confirm.domain import glossary, reasons, vocabulary

ROOT = Path(__file__).resolve().parents[2]
ORDER_CONFIRM = ROOT / "services" / "order_confirm"
AUDIT_SINK = ORDER_CONFIRM / "service" / "audit.py"  # `record` builds the row from its own parameter


@dataclass
class Written:
    """What the code writes for one keyword: exact values, f-string patterns, and what could not be read."""

    values: set[str] = field(default_factory=set)
    patterns: set[str] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def _enclosing(tree: ast.Module, target: ast.AST) -> ast.FunctionDef | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(child is target for child in ast.walk(node)):
            inner = [f for f in ast.walk(node) if isinstance(f, ast.FunctionDef) and f is not node]
            if not any(any(child is target for child in ast.walk(f)) for f in inner):
                return node
    return None


def _arguments_for(tree: ast.Module, function: ast.FunctionDef, parameter: str) -> Iterator[ast.expr]:
    """Every expression this module passes to `function`'s `parameter`."""
    names = [arg.arg for arg in (*function.args.posonlyargs, *function.args.args)]
    position = names.index(parameter) if parameter in names else None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if called != function.name:
            continue
        for keyword in node.keywords:
            if keyword.arg == parameter:
                yield keyword.value
        if position is not None and position < len(node.args):
            yield node.args[position]


def _read(tree: ast.Module, expression: ast.expr, where: str, written: Written, *, depth: int = 0) -> None:
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        written.values.add(expression.value)
    elif isinstance(expression, ast.JoinedStr):
        parts = [
            re.escape(str(part.value)) if isinstance(part, ast.Constant) else "[a-z_]+" for part in expression.values
        ]
        written.patterns.add("".join(parts))
    elif isinstance(expression, ast.Name) and depth < 3:
        function = _enclosing(tree, expression)
        if function is None or expression.id not in {arg.arg for arg in function.args.args + function.args.kwonlyargs}:
            written.unreadable.append(f"{where}: {ast.unparse(expression)}")
            return
        for argument in _arguments_for(tree, function, expression.id):
            _read(tree, argument, where, written, depth=depth + 1)
    elif (
        isinstance(expression, ast.Call)
        and isinstance(expression.func, ast.Attribute)
        and expression.func.attr == "replace"
        and all(isinstance(arg, ast.Constant) for arg in expression.args)
    ):
        inner = Written()
        _read(tree, expression.func.value, where, inner, depth=depth)
        old, new = (str(arg.value) for arg in expression.args)  # type: ignore[attr-defined]
        written.values |= {value.replace(old, new) for value in inner.values}
        written.unreadable += inner.unreadable + [f"{where}: replace() of a pattern" for _ in inner.patterns]
    else:
        written.unreadable.append(f"{where}: {ast.unparse(expression)}")


def written_by_the_code(keyword: str, calls: set[str] | None) -> Written:
    """Values of `keyword=` in calls (to any function, or only to `calls`) across order_confirm."""
    written = Written()
    for path in sorted(ORDER_CONFIRM.rglob("*.py")):
        if path == AUDIT_SINK:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if calls is not None and called not in calls:
                continue
            for item in node.keywords:
                if item.arg == keyword:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    _read(tree, item.value, where, written)
    return written


def _check(written: Written, documented: set[str], what: str) -> None:
    assert written.unreadable == [], f"{what} the test cannot read; pass a literal: {written.unreadable}"
    missing = sorted(written.values - documented)
    assert missing == [], f"give these {what} a meaning in domain/glossary.py, then `okno docs write`: {missing}"
    for pattern in written.patterns:
        assert any(re.fullmatch(pattern, value) for value in documented), f"no {what} documented for {pattern!r}"
    stale = sorted(
        value
        for value in documented - written.values
        if not any(re.fullmatch(pattern, value) for pattern in written.patterns)
    )
    assert stale == [], f"{what} documented that the code no longer writes: {stale}"


def test_every_audit_action_the_code_writes_is_documented() -> None:
    actions = written_by_the_code("action", calls=None)
    assert {"order.received", "task.covered", "shift.created"} <= actions.values
    _check(actions, set(glossary.AUDIT_ACTIONS), "audit actions")


def test_every_timeline_kind_the_code_writes_is_documented() -> None:
    kinds = written_by_the_code("kind", calls={"add_event"})
    assert {"attempt", "task_covered"} <= kinds.values
    _check(kinds, set(glossary.TIMELINE_KINDS), "timeline kinds")


@pytest.mark.parametrize(
    ("enum", "meanings"),
    [
        (vocabulary.OrderStatus, glossary.ORDER_STATUSES),
        (vocabulary.Disposition, glossary.DISPOSITIONS),
        (reasons.CancelReason, glossary.CANCEL_REASONS),
        (reasons.WrongNumberReason, glossary.WRONG_NUMBER_REASONS),
        (reasons.ConfirmChannel, glossary.CONFIRM_CHANNELS),
        (vocabulary.TaskKind, glossary.TASK_KINDS),
        (vocabulary.TaskStatus, glossary.TASK_STATUSES),
        (vocabulary.OperatorStatus, glossary.OPERATOR_STATUSES),
        (vocabulary.Role, glossary.ROLES),
    ],
)
def test_every_value_of_each_enum_has_a_meaning_on_the_page(enum: type[StrEnum], meanings: dict[StrEnum, str]) -> None:
    assert set(meanings) == set(enum), f"{enum.__name__}: give every value a meaning in domain/glossary.py"
    assert all(meaning.strip() for meaning in meanings.values())
    page = (DOCS_DIR / "vocabulary.md").read_text()
    for value in enum:
        assert f"| `{value.value}` |" in page, f"{enum.__name__}.{value.name} is not on docs/vocabulary.md"


def test_every_outcome_event_and_field_is_documented_with_an_example() -> None:
    page = (DOCS_DIR / "outcomes.md").read_text()
    for model, event in OUTCOMES.values():
        assert f"## `{event}`" in page
        for name in [*model.model_fields, "tenant"]:
            assert name in docs_outcomes.FIELD_MEANINGS, f"{model.__name__}.{name}: add its meaning"
        _, instance = docs_outcomes.EVENTS[model]
        body = docs_outcomes.example_body(instance, event)
        assert body["type"] == event and body["data"]["tenant"] == docs_outcomes.TENANT
        payload = {key: value for key, value in body["data"].items() if key != "tenant"}
        assert isinstance(model.model_validate(payload), OrderOutcome)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_generated_pages_are_up_to_date(name: str) -> None:
    committed = (DOCS_DIR / name).read_text(encoding="utf-8")
    assert committed == PAGES[name](), f"docs/{name} is stale: run `okno docs write` and commit it"
