"""Every Twilio webhook proves it comes from Twilio: `X-Twilio-Signature` over the public URL and the form.

Behind a TLS-terminating proxy the app sees `http://10.0.0.5:8000/...` while Twilio signed
`https://notify.example.com/...`, so the URL is rebuilt from `public_base_url` plus the path inside this
app, never from the request's own host and scheme. The key is Twilio's auth token, or in the sandbox this
installation's random sandbox token; without either the webhook answers 503 `capability_not_configured`.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import Depends, Request

from services.common.app import runtime_of
from services.common.problems import Forbidden
from services.notify.telephony import cached_telephony, webhook_telephony

SIGNATURE_HEADER = "X-Twilio-Signature"


class TwilioSignatureInvalid(Forbidden):
    code = "twilio_signature_invalid"
    title = "The Twilio signature is missing or wrong"


def public_url(public_base_url: str, request: Request) -> str:
    """The URL Twilio requested, as Twilio saw it."""
    path = request.url.path
    root = str(request.scope.get("root_path") or "")
    if root and path.startswith(root):
        path = path[len(root) :]
    query = request.url.query
    return public_base_url.rstrip("/") + path + (f"?{query}" if query else "")


async def twilio_form(request: Request) -> dict[str, str]:
    """The webhook's form fields, once the signature has been checked (403 and nothing else otherwise)."""
    runtime = runtime_of(request)
    # Building the provider may read the sandbox's credentials from the database: not on the loop.
    telephony = cached_telephony(runtime)
    if telephony is None:
        telephony = await anyio.to_thread.run_sync(webhook_telephony, runtime)
    form = await request.form()
    params: dict[str, Any] = {key: form.getlist(key) if len(form.getlist(key)) > 1 else form[key] for key in form}
    signature = request.headers.get(SIGNATURE_HEADER, "")
    url = public_url(runtime.settings.public_base_url, request)
    if not telephony.signatures.valid(url, params, signature):
        raise TwilioSignatureInvalid(f"{SIGNATURE_HEADER} does not match this request.")
    return {key: str(value) for key, value in form.items()}


TwilioForm = Annotated[dict[str, str], Depends(twilio_form)]
