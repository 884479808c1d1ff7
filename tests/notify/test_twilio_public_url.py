"""The URL a Twilio signature is checked against is the one Starlette's `request.url` gives (issue 13 reads it
from the ASGI scope instead of building the URL): the same text for every path and query, odd ones included."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from services.notify.api.twilio_signature import public_url

BASE = "https://notify.example.com/"
PATHS = [
    ("/twilio/surveys/7/answer/csat", b"try=1"),
    ("/twilio/surveys/7/start", b""),
    ("/путь/ответ", "q=да".encode()),
    ("/a?b", b"x=1"),
    ("/a#b", b""),
    ("/a\\b", b""),
    ("/a\tb\nc\rd", b""),
    ("/a", b"x=1#frag"),
    ("/a", b"x=%20y&z=\t1"),
    ("//double/slash", b"q="),
    ("/a;params", b""),
    ("/a%2Fb", b"x=%2F"),
]


def _request(path: str, query: bytes, root_path: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "scheme": "http",
            "path": root_path + path,
            "root_path": root_path,
            "query_string": query,
            "headers": [(b"host", b"10.0.0.5:8000")],
            "server": ("10.0.0.5", 8000),
        }
    )


def _as_starlette_reads_it(request: Request) -> str:
    """What public_url answered when it read `request.url` (before issue 13)."""
    path = request.url.path
    root = str(request.scope.get("root_path") or "")
    if root and path.startswith(root):
        path = path[len(root) :]
    query = request.url.query
    return BASE.rstrip("/") + path + (f"?{query}" if query else "")


@pytest.mark.parametrize("root_path", ["", "/notify"])
@pytest.mark.parametrize(("path", "query"), PATHS)
def test_the_signed_url_is_the_one_starlette_reads(path: str, query: bytes, root_path: str) -> None:
    request = _request(path, query, root_path)
    assert public_url(BASE, request) == _as_starlette_reads_it(_request(path, query, root_path))
