"""Outcome messages from order_confirm as the outside sees them: public event names and ERP writes."""

from __future__ import annotations

from typing import Any

from contracts.calls import SurveyCompleted
from contracts.orders import OrderCancelled, OrderChanged, OrderConfirmed, OrderOutcome, OrderUnreachable
from contracts.payments import PaymentReceived
from contracts.routing import MessageType
from services.integrations.adapters.erp.base import ErpOutcome

# Message type -> (payload model, public event name of shop webhooks and ERP mappings).
OUTCOMES: dict[MessageType, tuple[type[OrderOutcome], str]] = {
    MessageType.ORDER_CONFIRMED: (OrderConfirmed, "order.confirmed"),
    MessageType.ORDER_CHANGED: (OrderChanged, "order.changed"),
    MessageType.ORDER_CANCELLED: (OrderCancelled, "order.cancelled"),
    MessageType.ORDER_UNREACHABLE: (OrderUnreachable, "order.unreachable"),
    MessageType.PAYMENT_RECEIVED: (PaymentReceived, "payment.succeeded"),
    MessageType.SURVEY_COMPLETED: (SurveyCompleted, "survey.completed"),
}


def event_name(message_type: str) -> str:
    return OUTCOMES[MessageType(message_type)][1]


def erp_outcome(message_type: str, payload: dict[str, Any], document_key: str, item_keys: dict[str, str]) -> ErpOutcome:
    """What to write onto the ERP document; quantities are keyed by the ERP's product references."""
    model, kind = OUTCOMES[MessageType(message_type)]
    outcome = model.model_validate(payload)
    note = _operator_note(outcome)
    if isinstance(outcome, OrderChanged):
        # order_confirm names changed fields after its own columns (delivery_date, delivery_address, items).
        changed = " ".join(outcome.changed_fields)
        return ErpOutcome(
            "order.changed",
            document_key,
            operator_note=note,
            delivery_date=outcome.delivery.requested_date if "date" in changed else None,
            delivery_address=outcome.delivery.address if "address" in changed else None,
            quantities={
                item_keys[change.sku]: change.quantity_after
                for change in outcome.item_changes
                if change.sku in item_keys
            },
        )
    return ErpOutcome(kind, document_key, operator_note=note)  # type: ignore[arg-type]


def _operator_note(outcome: OrderOutcome) -> str | None:
    who = outcome.operator_login or "okno"
    if isinstance(outcome, OrderCancelled):
        text = f"отмена ({outcome.reason_code})" + (f": {outcome.comment}" if outcome.comment else "")
    elif isinstance(outcome, OrderUnreachable):
        text = f"клиент недоступен после {outcome.attempts} попыток"
    elif isinstance(outcome, PaymentReceived):
        text = f"оплачено {outcome.amount} {outcome.currency} ({outcome.provider} {outcome.provider_payment_id})"
    elif isinstance(outcome, SurveyCompleted):
        text = "оценка клиента: " + ", ".join(
            f"{name} {value}" for name, value in (("CSAT", outcome.csat), ("NPS", outcome.nps)) if value is not None
        )
    elif isinstance(outcome, OrderConfirmed):
        text = "подтверждён" + (f": {outcome.comment}" if outcome.comment else "")
    else:
        text = outcome.comment or ""
    return f"[Okno {who}] {text}".strip() if text else None
