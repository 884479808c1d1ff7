"""The operator console: static ES modules under `/console/`, talking only to the public `/api/v1` API.

There is no build step: the files in `services/order_confirm/web/` are what the browser loads. They are
served with `no-cache` (revalidated by ETag on every load, so a deploy is picked up at the next page load
without versioned file names) and a strict Content-Security-Policy: scripts only from this origin plus
the one inline import map, whose hash is computed here from `index.html` itself.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
CONSOLE_PATH = "/console"
_INLINE_SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.DOTALL)


def content_security_policy(index_html: str) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(index_html)
        if body.strip()
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
        # media-src blob: call recordings are fetched with the bearer token and played from memory
        # (components/recording-player.js): an <audio src> cannot send the token itself.
        "connect-src 'self'; media-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


class ConsoleFiles(StaticFiles):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, html=True)
        self.policy = content_security_policy((directory / "index.html").read_text(encoding="utf-8"))

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = self.policy
        return response


def mount_console(app: FastAPI) -> None:
    @app.get(CONSOLE_PATH, include_in_schema=False)
    def console_without_slash() -> RedirectResponse:
        return RedirectResponse(f"{CONSOLE_PATH}/")

    app.mount(CONSOLE_PATH, ConsoleFiles(WEB_DIR), name="console")
