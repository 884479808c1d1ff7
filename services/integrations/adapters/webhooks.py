"""One provider notification as it arrived, handed to the adapter that reads it (payments, couriers).

The exact bytes are kept because signatures cover them (Stripe); the JSON is parsed on demand and once,
with the bounds every unauthenticated body gets (`services.common.safe_json`: depth and number length).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.common import safe_json
from services.common.problems import Unprocessable


@dataclass
class InboundWebhook:
    headers: Mapping[str, str]  # as received; Starlette's Headers look names up case-insensitively
    body: bytes
    client_ip: str | None = None
    _object: dict[str, Any] | None = field(default=None, init=False, repr=False)

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; 422 (`UnsafeJson`, `Unprocessable`) for hostile or non-object JSON."""
        if self._object is None:
            body = safe_json.loads(self.body)
            if not isinstance(body, dict):
                raise Unprocessable("The body must be a JSON object.")
            self._object = body
        return self._object
