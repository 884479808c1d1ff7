"""JSON from strangers: bounded nesting and number length before anything is built from it.

`json.loads` recurses once per nesting level (100 000 `[` raise RecursionError, a 500) and hands every digit
of a number to `int()` (5 000 digits raise ValueError; Python refuses past 4 300). Webhook bodies arrive
before anyone is authenticated, so their shape is checked first, cheaply: one regular-expression pass strips
the strings and the remaining brackets give the depth, without recursion. Anything refused is a 422
problem with its own code (`docs/errors.md`).

The depth pass runs only when it could matter: text with no more opening brackets than the depth allowed
(strings included) cannot nest deeper, so an ordinary body (a webhook on the hot path) skips it.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from services.common.problems import Unprocessable

MAX_DEPTH = 64
MAX_NUMBER_CHARS = 100

# A JSON string, escapes included (the unrolled form does not backtrack on long strings).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class UnsafeJson(Unprocessable):
    """A body that is not JSON, or JSON deeper or with longer numbers than anyone legitimate sends."""

    code, title = "invalid_json", "The body is not acceptable JSON"

    def __init__(self, detail: str, *, code: str = "invalid_json") -> None:
        super().__init__(detail, errors=[{"field": "", "message": detail, "type": code}])
        self.code = code


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH, max_number_chars: int = MAX_NUMBER_CHARS) -> Any:
    """Parse `raw` (UTF-8 if bytes, RFC 8259) or raise `UnsafeJson`; never RecursionError or a bare ValueError."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeJson("JSON must be UTF-8 encoded (RFC 8259).") from None
    if raw.count("[") + raw.count("{") > max_depth and nesting_depth(raw) > max_depth:
        raise UnsafeJson(f"JSON may nest at most {max_depth} levels deep.", code="json_too_deep")

    def bounded(text: str) -> str:
        if len(text) > max_number_chars:
            raise UnsafeJson(
                f"A JSON number may have at most {max_number_chars} characters.", code="json_number_too_long"
            )
        return text

    def finite(text: str) -> float:
        value = float(bounded(text))
        if not math.isfinite(value):
            raise UnsafeJson("A JSON number is out of range.", code="json_number_out_of_range")
        return value

    def not_json(name: str) -> Any:
        raise UnsafeJson(f"{name} is not a JSON value (RFC 8259).")

    try:
        return json.loads(raw, parse_int=lambda text: int(bounded(text)), parse_float=finite, parse_constant=not_json)
    except json.JSONDecodeError as error:
        detail = f"line {error.lineno} column {error.colno}: {error.msg}"
        raise UnsafeJson(f"The body is not valid JSON ({detail}).") from None


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting outside strings; malformed text gives some number, the parser rejects it."""
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)
