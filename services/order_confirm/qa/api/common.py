"""What every QA route shares: the tenant path id, the prefix and the documented errors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from services.order_confirm.api.deps import DB_INT_MAX

TenantId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The tenant (shop) whose calls are evaluated")]
PREFIX = "/api/v1/qa/tenants/{tenant_id}"
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such tenant or row, or your role has no part in it (problem+json `not_found`)"},
}
ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"description": "The state does not allow it (already submitted, disputed once, …): problem+json"},
    412: {"description": "Changed since you read it (send the current `revision` / `based_on_version`)"},
    422: {"description": "Not valid: problem+json with `code` and `errors` (field and reason)"},
}


def example(body: Any, description: str = "OK") -> dict[int | str, dict[str, Any]]:
    """A 200 answer's example for routes that return plain JSON objects."""
    return {200: {"description": description, "content": {"application/json": {"example": body}}}}


CONVERSATION_EXAMPLE = {
    "attempt_id": 1042,
    "operator": {"id": 7, "name": "Anna"},
    "started_at": "2026-12-02T08:00:00Z",
    "answered_at": None,
    "ended_at": "2026-12-02T08:15:10Z",
    "talk_seconds": 900,
    "hold_seconds": None,
    "disposition": "confirmed",
    "reason_code": None,
    "comment": "Asked to deliver after six",
    "survey": {"csat": None, "nps": 3, "callback_requested": False},
    "recording": {"recording_id": "4f1c…", "duration_seconds": 905, "started_at": "2026-12-02T08:00:02Z"},
    "order": {
        "id": 311,
        "external_id": "A-1042",
        "status": "confirmed",
        "customer_name": "Мария Покупатель",
        "delivery_method": "courier",
        "delivery_address": "ул. Тверская, 7, кв. 12",
        "delivery_date": "2026-12-03",
        "delivery_slot": "10:00-14:00",
        "payment_method": "cash_on_delivery",
        "total_minor": 499000,
        "currency": "RUB",
        "items": [{"sku": "KETTLE-7", "name": "Чайник", "quantity": 1, "unit_price_minor": 349000}],
    },
    "timeline": [
        {
            "kind": "attempt",
            "params": {"external_id": "TEA-1042", "disposition": "confirmed"},
            "text": "Звонок по заказу TEA-1042: подтверждён",
            "summary": "Call about order TEA-1042: confirmed",
            "details": {},
            "occurred_at": "2026-12-02T08:15:10Z",
        }
    ],
    "notes": [{"text": "Asked to deliver after six", "author_id": 7, "created_at": "2026-12-02T08:16:00Z"}],
}
COACHING_EXAMPLE = [
    {
        "task_id": 88,
        "status": "open",
        "note": "QA 75 % — failed: Summed up next steps and closed politely",
        "due_at": "2026-12-07T08:20:00Z",
        "assignee_id": 3,
        "order_id": 311,
        "evaluation_id": 31,
        "operator_id": 7,
        "attempt_id": 1042,
        "score": 75.0,
        "failed": ["closing"],
        "critical_failures": [],
    }
]
KUDOS_EXAMPLE = {
    "id": 5,
    "kind": "kudos",
    "attempt_id": 1042,
    "call_started_at": "2026-12-02T08:00:00Z",
    "operator": {"id": 7, "name": "Anna"},
    "author": {"id": 4, "name": "Masha"},
    "message": "Saved an order the customer wanted to cancel",
    "created_at": "2026-12-07T10:00:00Z",
}
