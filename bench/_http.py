"""A cheap HTTP/1.1 client for benchmarks: raw asyncio streams, keep-alive, requests built once up front.

httpx spends ~0.35 ms of CPU per request, more than the server's budget for a claim; this client spends a
few microseconds, so on a 2-core machine the figures measure the server, not the client.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


def build_request(
    method: str,
    path: str,
    port: int,
    headers: dict[str, str] | None = None,
    body: Any = None,
    *,
    raw_body: bytes | None = None,
) -> bytes:
    """The request's bytes; `body` is sent as JSON, `raw_body` as it is (with its own Content-Type header)."""
    payload = raw_body if raw_body is not None else b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(payload)}"]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


class Connection:
    """One keep-alive connection; one request at a time.

    Like a browser or httpx, it does not send on a connection the server has closed while it was idle (the
    server's keep-alive timeout), and sends a request again, once, on a fresh connection when a reused one
    closes before any byte of the answer arrives (the close crossed the request on the wire). `resent`
    counts those; a failure on a fresh connection, or after part of the answer, is raised."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.resent = 0

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.reader is not None and self.reader.at_eof():
            self.close()  # closed by the server while idle
        reused = self.writer is not None
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        try:
            self.writer.write(raw)
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionResetError) as error:
            if not reused or (isinstance(error, asyncio.IncompleteReadError) and error.partial):
                raise
            self.close()
            self.resent += 1
            return await self.request(raw)
        status = int(head[9:12])
        length = _content_length(head)
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
            self.reader = None


def _content_length(head: bytes) -> int:
    lowered = head.lower()
    at = lowered.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    end = lowered.index(b"\r\n", at + 2)
    return int(lowered[at + 17 : end])


class EventStream:
    """One server-sent events stream (`text/event-stream`, chunked) read off a raw connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self._text = ""

    async def open(self, raw: bytes) -> tuple[int, bytes]:
        """Send the request; the status, and the body unless it is the stream (200)."""
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        if status == 200:
            return status, b""
        length = _content_length(head)
        return status, await self.reader.readexactly(length) if length else b""

    async def next_event(self) -> tuple[str, Any] | None:
        """The next event as (name, data); None when the server ended the stream. Comments are skipped."""
        while True:
            while (end := self._text.find("\n\n")) >= 0:
                frame, self._text = self._text[:end], self._text[end + 2 :]
                event = _parse_frame(frame)
                if event is not None:
                    return event
            chunk = await self._chunk()
            if chunk is None:
                return None
            self._text += chunk

    async def _chunk(self) -> str | None:
        assert self.reader is not None
        size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
        data = await self.reader.readexactly(size + 2)
        return data[:-2].decode() if size else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _parse_frame(frame: str) -> tuple[str, Any] | None:
    name, data = "message", []
    for line in frame.split("\n"):
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
    return (name, json.loads("\n".join(data))) if data else None
