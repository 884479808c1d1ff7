"""A timeline fact (kind + parameters) as a line in the reader's language. Pure: no I/O.

The parameters of each kind (what the writers store, see service/timeline.py):

order_received            external_id, bad_phone
order_changed_by_shop     external_id, fields, after_confirmation
order_cancelled_by_shop   external_id, previous_status
owner_assigned            owner_id, owner_name
owner_changed             owner_id, owner_name, reason
attempt                   external_id, disposition, reason_code?, callback_at?, next_attempt_at?
order_changed             external_id, fields
note                      text
payment_link              event (sent | expired | failed), amount?, currency?, slot_start?, slot_end?
payment                   amount, currency
courier                   courier, shipment_ref, status, reason?
survey                    status, csat?, nps?, skip_reason?
survey_opt_out            —
task_covered              operator_name, task_kind
task_cover_ended          operator_name, task_kind
order_reopened            external_id, attempts_before
confirmed_elsewhere       external_id, channel, reason?
inbound_call              operator_name, answered_role, wait_seconds, talk_seconds? (once ended), external_id?
phone_callback_requested  reason, requested_number

Times are ISO 8601 UTC and are shown in the customer's time zone; amounts are decimal strings. A line whose
parameters are missing (a row written before facts that could not be migrated) is None: show its stored text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from services.order_confirm.domain.timeline_locale import MONTHS_EN, MONTHS_RU, PHRASES

LANGUAGES = tuple(PHRASES)
DEFAULT_LANGUAGE = "en"
_UNANSWERED_SURVEY = ("no_answer", "busy", "failed", "voicemail")


class _Words:
    """The phrases of one language, with the formatting of numbers, money and times in it."""

    def __init__(self, language: str, timezone: str) -> None:
        self.language = language if language in PHRASES else DEFAULT_LANGUAGE
        self.phrases = PHRASES[self.language]
        self.zone = ZoneInfo(timezone)
        self.zone_name = timezone

    def __call__(self, key: str, **params: Any) -> str:
        return self.phrases[key].format(**params)

    def label(self, group: str, value: Any) -> str:
        """A word of a vocabulary (status, disposition …); a value the catalogue does not know, as it came."""
        return self.phrases.get(f"{group}.{value}", str(value))

    def labels(self, group: str, values: list[Any]) -> str:
        return self.phrases["list.separator"].join(self.label(group, value) for value in values)

    def time(self, iso: str) -> str:
        local = datetime.fromisoformat(iso).astimezone(self.zone)
        if self.language == "ru":
            shown = f"{local.day} {MONTHS_RU[local.month - 1]} {local.year}, {local:%H:%M}"
        else:
            shown = f"{local.day} {MONTHS_EN[local.month - 1]} {local.year}, {local:%H:%M}"
        return self("time.zone", time=shown, zone=self.zone_name)

    def clock(self, iso: str) -> str:
        return f"{datetime.fromisoformat(iso).astimezone(self.zone):%H:%M}"

    def money(self, amount: Any, currency: str) -> str:
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            return f"{amount} {currency}"
        if self.language == "ru":
            digits = f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
            return f"{digits}\u00a0{'₽' if currency == 'RUB' else currency}"
        return f"{currency}\u00a0{value:,.2f}"


def _order_received(p: dict[str, Any], w: _Words) -> str:
    return w("order_received", external_id=p["external_id"]) + (
        w("order_received.bad_phone") if p.get("bad_phone") else ""
    )


def _order_changed_by_shop(p: dict[str, Any], w: _Words) -> str:
    key = "order_changed_by_shop.after_confirmation" if p.get("after_confirmation") else "order_changed_by_shop"
    return w(key, fields=w.labels("field", p["fields"]))


def _attempt(p: dict[str, Any], w: _Words) -> str:
    text = w("attempt", external_id=p["external_id"], disposition=w.label("disposition", p["disposition"]))
    if p.get("reason_code"):
        text += w("attempt.reason", reason_code=w.label("reason", p["reason_code"]))
    if p.get("callback_at"):
        text += w("attempt.callback_at", callback_at=w.time(p["callback_at"]))
    if p.get("next_attempt_at"):
        text += w("attempt.next_attempt_at", next_attempt_at=w.time(p["next_attempt_at"]))
    return text


def _payment_link(p: dict[str, Any], w: _Words) -> str:
    if p["event"] != "sent":
        return w(f"payment_link.{p['event']}")
    text = w("payment_link.sent", amount=w.money(p["amount"], p["currency"]))
    if p.get("slot_start") and p.get("slot_end"):
        text += w("payment_link.slot", slot=f"{w.clock(p['slot_start'])}–{w.clock(p['slot_end'])}")
    return text


def _courier(p: dict[str, Any], w: _Words) -> str:
    status = w.label("courier_status", p["status"])
    text = w("courier", courier=p["courier"], shipment_ref=p["shipment_ref"], status=status)
    return text + (w("courier.reason", reason=p["reason"]) if p.get("reason") else "")


def _survey(p: dict[str, Any], w: _Words) -> str:
    status = p["status"]
    if status in _UNANSWERED_SURVEY:
        return w("survey.unanswered", status=w.label("survey_status", status))
    if status == "skipped":
        return w("survey.skipped", skip_reason=w.label("skip_reason", p.get("skip_reason") or "disabled"))
    ratings = [f"CSAT {p['csat']}/5" if p.get("csat") is not None else "", ""]
    ratings[1] = f"NPS {p['nps']}/10" if p.get("nps") is not None else ""
    shown = w.phrases["list.separator"].join(part for part in ratings if part) or w("survey.no_ratings")
    return w("survey", ratings=shown) + (w("survey.partial") if status == "partial" else "")


def _confirmed_elsewhere(p: dict[str, Any], w: _Words) -> str:
    text = w("confirmed_elsewhere", external_id=p["external_id"], channel=w.label("channel", p["channel"]))
    return text + (w("confirmed_elsewhere.reason", reason=p["reason"]) if p.get("reason") else "")


def _inbound_call(p: dict[str, Any], w: _Words) -> str:
    role = w.label("answered_role", p.get("answered_role") or "other")
    text = w(
        "inbound_call", operator_name=p["operator_name"] or "—", answered_role=role, wait_seconds=p["wait_seconds"] or 0
    )
    if p.get("talk_seconds") is not None:
        text += w("inbound_call.talk", talk_seconds=p["talk_seconds"])
    return text + (w("inbound_call.order", external_id=p["external_id"]) if p.get("external_id") else "")


_RENDER: dict[str, Callable[[dict[str, Any], _Words], str]] = {
    "order_received": _order_received,
    "order_changed_by_shop": _order_changed_by_shop,
    "order_cancelled_by_shop": lambda p, w: w(
        "order_cancelled_by_shop", external_id=p["external_id"], previous_status=w.label("status", p["previous_status"])
    ),
    "owner_assigned": lambda p, w: w("owner_assigned", owner_name=p["owner_name"]),
    "owner_changed": lambda p, w: w("owner_changed", owner_name=p["owner_name"], reason=p["reason"]),
    "attempt": _attempt,
    "order_changed": lambda p, w: w(
        "order_changed", external_id=p["external_id"], fields=w.labels("field", p["fields"])
    ),
    "note": lambda p, w: w("note", text=p["text"]),
    "payment_link": _payment_link,
    "payment": lambda p, w: w("payment", amount=w.money(p["amount"], p["currency"])),
    "courier": _courier,
    "survey": _survey,
    "survey_opt_out": lambda p, w: w("survey_opt_out"),
    "task_covered": lambda p, w: w(
        "task_covered", operator_name=p["operator_name"], task_kind=w.label("task_kind", p["task_kind"])
    ),
    "task_cover_ended": lambda p, w: w(
        "task_cover_ended", operator_name=p["operator_name"], task_kind=w.label("task_kind", p["task_kind"])
    ),
    "order_reopened": lambda p, w: w("order_reopened", external_id=p["external_id"]),
    "confirmed_elsewhere": _confirmed_elsewhere,
    "inbound_call": _inbound_call,
    "phone_callback_requested": lambda p, w: w(
        "phone_callback_requested",
        requested_number=p["requested_number"],
        reason=w.label("callback_reason", p["reason"]),
    ),
}
KINDS = frozenset(_RENDER)


def render(kind: str, params: dict[str, Any], *, language: str, timezone: str = "UTC") -> str | None:
    """The line in `language` (ru or en; anything else reads English); None when the fact cannot be told
    (an unknown kind, or parameters missing)."""
    renderer = _RENDER.get(kind)
    if renderer is None or (not params and kind != "survey_opt_out"):
        return None
    try:
        return renderer(params, _Words(language, timezone))
    except (KeyError, TypeError, ValueError):
        return None


def negotiate(accept_language: str | None, fallback: str) -> str:
    """The best of LANGUAGES for an Accept-Language header (RFC 9110 q-values, `ru-RU` matches `ru`);
    `fallback` when the header names none of them."""
    best, best_q = None, 0.0
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, rest = item.strip().partition(";")
        q = 1.0
        if rest.strip().startswith("q="):
            try:
                q = float(rest.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > best_q and q > 0:
            best, best_q = primary, q - position * 1e-6  # equal q: the first listed wins
    return best or (fallback if fallback in LANGUAGES else DEFAULT_LANGUAGE)
