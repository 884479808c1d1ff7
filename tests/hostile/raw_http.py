"""HTTP/1.1 by hand, for what a well-behaved client library will not do: declare a body it never sends, or
send a chunked body that never ends, and read the answer while the upload is still 'in progress'."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RawRequest:
    """One request on its own connection; the head is sent on construction, the body as the test likes."""

    def __init__(self, base_url: str, method: str, path: str, headers: dict[str, str]) -> None:
        address = urlsplit(base_url)
        self.sock = socket.create_connection((address.hostname or "127.0.0.1", address.port or 80), timeout=15)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {address.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def send_chunk(self, data: bytes) -> bool:
        """One chunk of a chunked body; False once the server has stopped reading (it answered or hung up)."""
        try:
            self.sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        except OSError:
            return False
        return True

    def response(self) -> RawResponse:
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"the connection closed without a response: {received!r}")
            received += chunk
        head, body = received.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in header_lines)}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return RawResponse(int(status_line.split()[1]), headers, body[:length])

    def close(self) -> None:
        self.sock.close()
