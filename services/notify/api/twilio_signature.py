"""Every Twilio webhook proves it comes from Twilio: `X-Twilio-Signature` over the public URL and the form.

Behind a TLS-terminating proxy the app sees `http://10.0.0.5:8000/...` while Twilio signed
`https://notify.example.com/...`, so the URL is rebuilt from `public_base_url` plus the path inside this
app, never from the request's own host and scheme. The key is Twilio's auth token, or in the sandbox this
installation's random sandbox token; without either the webhook answers 503 `capability_not_configured`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import parse_qsl

import anyio
from fastapi import Depends, Request

from services.common.app import runtime_of
from services.common.problems import Forbidden
from services.notify.telephony import cached_telephony, webhook_telephony

SIGNATURE_HEADER = "X-Twilio-Signature"
# What `starlette.datastructures.URL` escapes in a path (`?`, `#`, `\\`) or urlsplit removes or splits on.
_REWRITTEN = re.compile(r"[?#\\\t\r\n]")
# What every Twilio webhook declares for OpenAPI about the check below.
SIGNED: dict[int | str, dict[str, Any]] = {
    403: {"description": "X-Twilio-Signature missing or wrong (nothing changed)"}
}


class TwilioSignatureInvalid(Forbidden):
    code = "twilio_signature_invalid"
    title = "The Twilio signature is missing or wrong"


def public_url(public_base_url: str, request: Request) -> str:
    """The URL Twilio requested, as Twilio saw it."""
    path: str = request.scope["path"]
    query = request.scope.get("query_string", b"").decode()
    if _REWRITTEN.search(path) or _REWRITTEN.search(query):
        # Characters Starlette's URL escapes or urlsplit drops: take its reading. Otherwise the same text without
        # building the URL (~30 µs of a survey step's budget, issue 13).
        path, query = request.url.path, request.url.query
    root = str(request.scope.get("root_path") or "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return public_base_url.rstrip("/") + path + (f"?{query}" if query else "")


async def twilio_form(request: Request) -> dict[str, str]:
    """The webhook's form fields, once the signature has been checked (403 and nothing else otherwise)."""
    runtime = runtime_of(request)
    # Building the provider may read the sandbox's credentials from the database: not on the loop.
    telephony = cached_telephony(runtime)
    if telephony is None:
        telephony = await anyio.to_thread.run_sync(webhook_telephony, runtime)
    fields: dict[str, list[str]] = {}
    for key, value in await form_pairs(request):
        fields.setdefault(key, []).append(value)
    params: dict[str, Any] = {key: values if len(values) > 1 else values[0] for key, values in fields.items()}
    signature = request.headers.get(SIGNATURE_HEADER, "")
    url = public_url(runtime.settings.public_base_url, request)
    if not telephony.signatures.valid(url, params, signature):
        raise TwilioSignatureInvalid(f"{SIGNATURE_HEADER} does not match this request.")
    return {key: values[-1] for key, values in fields.items()}  # a repeated field: its last value, as Starlette


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """The body's fields in order. Twilio posts `application/x-www-form-urlencoded`: that is parsed with
    `parse_qsl` straight from the body, as Starlette would (raw bytes as Latin-1, escapes as UTF-8, blanks
    kept) at a fraction of the CPU of its form parser (issue 13: the survey step's budget is 0.7 ms). Any other
    content type goes through Starlette."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        return parse_qsl((await request.body()).decode("latin-1"), keep_blank_values=True)
    form = await request.form()
    return [(key, str(value)) for key, value in form.multi_items()]


TwilioForm = Annotated[dict[str, str], Depends(twilio_form)]
