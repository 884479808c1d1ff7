"""The OData v3 query options the local 1C server understands: `$filter`, `$orderby`, `$select`.

`$filter` grammar (the subset 1C's standard interface answers and our adapter sends):
    expr   := term ("or" term)*
    term   := factor ("and" factor)*
    factor := "not" factor | "(" expr ")" | path op literal
    op     := eq | ne | gt | ge | lt | le
    literal:= 'text' | guid'…' | datetime'…' | number | true | false | null
A predicate is compiled once into a Python function over an entity's JSON dict.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

Entity = dict[str, Any]
Predicate = Callable[[Entity], bool]


class ODataQueryError(ValueError):
    """A query option 1C would reject; the server answers 400 with an `odata.error` body."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\()|(?P<close>\))|
        (?P<typed>(?:guid|datetime)'[^']*')|
        (?P<text>'(?:[^']|'')*')|
        (?P<number>-?\d+(?:\.\d+)?)|
        (?P<word>[^\s()']+)
    )""",
    re.VERBOSE,
)
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ODataQueryError(f"Синтаксическая ошибка в $filter около позиции {position}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _literal(kind: str, value: str) -> Any:
    if kind == "typed":
        return value.split("'", 1)[1][:-1]
    if kind == "text":
        return value[1:-1].replace("''", "'")
    if kind == "number":
        return Decimal(value)
    if value in ("true", "false"):
        return value == "true"
    if value == "null":
        return None
    raise ODataQueryError(f"Ожидалось значение, получено {value!r}")


def _value(entity: Entity, path: str) -> Any:
    value: Any = entity
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, float | int) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ODataQueryError("Неожиданный конец выражения $filter")
        self.position += 1
        return token

    def expression(self) -> Predicate:
        terms = [self.term()]
        while self.peek() == ("word", "or"):
            self.take()
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else (lambda e: any(t(e) for t in terms))

    def term(self) -> Predicate:
        factors = [self.factor()]
        while self.peek() == ("word", "and"):
            self.take()
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else (lambda e: all(f(e) for f in factors))

    def factor(self) -> Predicate:
        kind, value = self.take()
        if (kind, value) == ("word", "not"):
            inner = self.factor()
            return lambda e: not inner(e)
        if kind == "open":
            inner = self.expression()
            if self.take()[0] != "close":
                raise ODataQueryError("Ожидалась закрывающая скобка в $filter")
            return inner
        if kind != "word":
            raise ODataQueryError(f"Ожидалось имя поля, получено {value!r}")
        path = value
        operator_kind, operator = self.take()
        if operator not in _OPERATORS:
            raise ODataQueryError(f"Неизвестная операция {operator!r} в $filter")
        literal = _literal(*self.take())
        compare = _OPERATORS[operator]
        return lambda e: compare(_value(e, path), literal)


def compile_filter(text: str | None) -> Predicate:
    if not text or not text.strip():
        return lambda _: True
    parser = _Parser(_tokenize(text))
    predicate = parser.expression()
    if parser.peek() is not None:
        raise ODataQueryError(f"Лишний фрагмент в $filter: {parser.peek()[1]!r}")  # type: ignore[index]
    return predicate


def sort_entities(entities: list[Entity], orderby: str | None) -> list[Entity]:
    """Stable multi-key sort, last key first; `null` sorts before any value, as in 1C."""
    if not orderby:
        return entities
    result = list(entities)
    for clause in reversed([part.strip() for part in orderby.split(",") if part.strip()]):
        field, _, direction = clause.partition(" ")
        if direction.strip() not in ("", "asc", "desc"):
            raise ODataQueryError(f"Неверное направление сортировки {direction!r}")
        result.sort(
            key=lambda e, f=field: (_value(e, f) is not None, _value(e, f) or ""),  # type: ignore[misc]
            reverse=direction.strip() == "desc",
        )
    return result


def select_fields(entity: Entity, select: str | None, expanded: list[str]) -> Entity:
    if not select:
        return entity
    wanted = {part.strip() for part in select.split(",") if part.strip()} | set(expanded)
    return {name: value for name, value in entity.items() if name in wanted}
