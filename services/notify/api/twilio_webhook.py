"""A Twilio webhook served by hand (`services/common/hand_served.py`): what its declared dependencies check.

A declared Twilio route depends on `require_capability(...)` (router level) and `TwilioForm`; FastAPI runs
them in that order, before it validates path and query parameters. A hand-served route calls
`signed_form` first, then validates its parameters (`Params`), so every request gets the same answer as
before: 503 `capability_not_configured`, then 403 `twilio_signature_invalid` (nothing changed), then 422.
"""

from __future__ import annotations

from fastapi import Request

from services.common.capabilities import Capabilities
from services.notify.api.twilio_signature import twilio_form


async def signed_form(request: Request, capability: str) -> dict[str, str]:
    """The webhook's form fields once `capability` is usable and the signature checked."""
    capabilities: Capabilities = request.app.state.runtime.capabilities
    capabilities.require(capability)
    return await twilio_form(request)
