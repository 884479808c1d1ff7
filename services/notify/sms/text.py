"""SMS wording: built-in texts per template and language, a tenant's own text when it has one.

Placeholders are `{name}`; a tenant text that names an unknown placeholder keeps it literally instead of
failing, so one typo in a template never stops a customer from getting a payment link.
"""

from __future__ import annotations

DEFAULTS: dict[str, dict[str, str]] = {
    "payment_link": {
        "ru": "Заказ {order}: оплата {amount} по ссылке {url} (действует до {expires}).",
        "en": "Order {order}: pay {amount} at {url} (valid until {expires}).",
    },
}
PLACEHOLDERS: dict[str, frozenset[str]] = {"payment_link": frozenset({"order", "amount", "url", "expires", "customer"})}


class _KeepUnknown(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def default_text(template: str, language: str) -> str:
    texts = DEFAULTS[template]
    return texts.get(language) or texts["ru"]


def render(text: str, params: dict[str, str]) -> str:
    return text.format_map(_KeepUnknown(params))
