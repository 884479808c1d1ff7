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


Node = tuple[Any, ...]  # ("or" | "and", [nodes]) | ("not", node) | ("cmp", path, operator, literal)


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

    def expression(self) -> Node:
        terms = [self.term()]
        while self.peek() == ("word", "or"):
            self.take()
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else ("or", terms)

    def term(self) -> Node:
        factors = [self.factor()]
        while self.peek() == ("word", "and"):
            self.take()
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else ("and", factors)

    def factor(self) -> Node:
        kind, value = self.take()
        if (kind, value) == ("word", "not"):
            return ("not", self.factor())
        if kind == "open":
            inner = self.expression()
            if self.take()[0] != "close":
                raise ODataQueryError("Ожидалась закрывающая скобка в $filter")
            return inner
        if kind != "word":
            raise ODataQueryError(f"Ожидалось имя поля, получено {value!r}")
        operator = self.take()[1]
        if operator not in _OPERATORS:
            raise ODataQueryError(f"Неизвестная операция {operator!r} в $filter")
        return ("cmp", value, operator, _literal(*self.take()))


def parse_filter(text: str | None) -> Node | None:
    if not text or not text.strip():
        return None
    parser = _Parser(_tokenize(text))
    node = parser.expression()
    extra = parser.peek()
    if extra is not None:
        raise ODataQueryError(f"Лишний фрагмент в $filter: {extra[1]!r}")
    return node


def _compile(node: Node) -> Predicate:
    kind = node[0]
    if kind in ("or", "and"):
        parts = [_compile(child) for child in node[1]]
        combine = any if kind == "or" else all
        return lambda e: combine(part(e) for part in parts)
    if kind == "not":
        inner = _compile(node[1])
        return lambda e: not inner(e)
    _, path, operator, literal = node
    compare = _OPERATORS[operator]
    return lambda e: compare(_value(e, path), literal)


def compile_filter(text: str | None) -> Predicate:
    node = parse_filter(text)
    return (lambda _: True) if node is None else _compile(node)


def lower_bound(node: Node | None, field: str) -> Any:
    """The smallest `field` value the filter allows, if a top-level `field ge|gt …` says so (index seek)."""
    if node is None:
        return None
    conjuncts = node[1] if node[0] == "and" else [node]
    bounds = [c[3] for c in conjuncts if c[0] == "cmp" and c[1] == field and c[2] in ("ge", "gt", "eq")]
    return max(bounds) if bounds else None


def sort_key(entity: Entity, field: str) -> tuple[bool, Any]:
    value = _value(entity, field)
    return (value is not None, value if value is not None else "")


def order_clauses(orderby: str | None) -> list[tuple[str, bool]]:
    """`Date asc,Ref_Key desc` -> [("Date", False), ("Ref_Key", True)] (field, descending)."""
    clauses = []
    for clause in [part.strip() for part in (orderby or "").split(",") if part.strip()]:
        field, _, direction = clause.partition(" ")
        if direction.strip() not in ("", "asc", "desc"):
            raise ODataQueryError(f"Неверное направление сортировки {direction!r}")
        clauses.append((field, direction.strip() == "desc"))
    return clauses


def sort_entities(entities: list[Entity], orderby: str | None) -> list[Entity]:
    """Stable multi-key sort, last key first; `null` sorts before any value, as in 1C."""
    result = list(entities)
    for field, descending in reversed(order_clauses(orderby)):
        keys = {id(e): sort_key(e, field) for e in result}
        result.sort(key=lambda e: keys[id(e)], reverse=descending)
    return result


def select_fields(entity: Entity, select: str | None, expanded: list[str]) -> Entity:
    if not select:
        return entity
    wanted = {part.strip() for part in select.split(",") if part.strip()} | set(expanded)
    return {name: value for name, value in entity.items() if name in wanted}
