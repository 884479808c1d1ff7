"""safe_json's cheap pre-checks (fewer brackets than the depth allowed, no long run of number characters)
must decide exactly as the full checks would: at, just past and around each limit, strings included."""

from __future__ import annotations

import pytest

from services.common import safe_json
from services.common.safe_json import UnsafeJson, loads


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_nesting_up_to_the_limit_parses_and_one_more_level_is_refused() -> None:
    parsed, levels = loads(nested(safe_json.MAX_DEPTH)), 1
    while parsed:
        parsed, levels = parsed[0], levels + 1
    assert levels == safe_json.MAX_DEPTH
    with pytest.raises(UnsafeJson) as refused:
        loads(nested(safe_json.MAX_DEPTH + 1))
    assert refused.value.code == "json_too_deep"


def test_many_brackets_side_by_side_are_shallow_and_brackets_in_strings_do_not_count() -> None:
    wide = "[" + ",".join(["[]"] * 500) + "]"
    assert len(loads(wide)) == 500
    bracketed_text = '{"comment": "' + "[" * 1000 + '", "items": [[1]]}'
    assert loads(bracketed_text)["items"] == [[1]]


def test_a_number_of_the_longest_length_parses_and_one_character_more_is_refused() -> None:
    longest = "9" * safe_json.MAX_NUMBER_CHARS
    assert loads(f'{{"total": {longest}}}') == {"total": int(longest)}
    assert loads(f'{{"total": 1.{"0" * (safe_json.MAX_NUMBER_CHARS - 2)}}}') == {"total": 1.0}
    for too_long in ("9" * (safe_json.MAX_NUMBER_CHARS + 1), "1." + "5" * safe_json.MAX_NUMBER_CHARS):
        with pytest.raises(UnsafeJson) as refused:
            loads(f'{{"total": {too_long}}}')
        assert refused.value.code == "json_number_too_long"


def test_long_digit_runs_inside_strings_are_not_numbers() -> None:
    digits = "7" * 500
    assert loads(f'{{"sku": "{digits}", "quantity": 2, "price": 1500.50}}') == {
        "sku": digits,
        "quantity": 2,
        "price": 1500.5,
    }


@pytest.mark.parametrize("number", ["1e999", "-1E400", "1.5e+309"])
def test_a_float_that_overflows_through_its_exponent_is_refused(number: str) -> None:
    with pytest.raises(UnsafeJson) as refused:
        loads(f'{{"amount": {number}}}')
    assert refused.value.code == "json_number_out_of_range"


def test_ordinary_floats_with_and_without_exponents_parse() -> None:
    assert loads('{"a": 1500.00, "b": -0.25, "c": 1.5e3, "d": 2E-2}') == {
        "a": 1500.0,
        "b": -0.25,
        "c": 1500.0,
        "d": 0.02,
    }


def test_a_caller_allowing_longer_numbers_still_gets_infinity_refused_without_an_exponent() -> None:
    with pytest.raises(UnsafeJson) as refused:
        loads('{"a": ' + "9" * 400 + ".0}", max_number_chars=500)
    assert refused.value.code == "json_number_out_of_range"
