"""uvicorn's HTTP protocol with one socket write per response instead of two (issue 13: the hot webhooks).

uvicorn (httptools) writes a response's status line and headers as soon as the app sends them, then its body:
two `send` system calls, on loopback each one carrying the kernel's whole delivery to the peer, the largest
single self-cost left in a survey step. Here the connection's transport gathers whatever is written during
one turn of the event loop and hands it to the socket at the end of that turn, so headers and body leave in
one write. Nothing waits longer than the loop's current turn; a large write with nothing gathered goes
straight through (no copy); closing, switching protocols or asking whether the transport is closing hands
over what is gathered first, so the bytes and their order are exactly uvicorn's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Above this, a write with nothing gathered before it is passed on at once (joining would copy it).
DIRECT_WRITE_BYTES = 65_536


class GatheringTransport:
    """The connection's transport, writes gathered until the end of the loop's turn; the rest is delegated."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._gathered: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._gathered:
            if len(data) >= DIRECT_WRITE_BYTES:
                self._transport.write(data)
                return
            self._loop.call_soon(self.flush)
        self._gathered.append(data)

    def flush(self) -> None:
        if not self._gathered:
            return
        data = b"".join(self._gathered) if len(self._gathered) > 1 else self._gathered[0]
        self._gathered = []
        if not self._transport.is_closing():  # the peer went away meanwhile: as a write after close, dropped
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.flush()
        self._transport.set_protocol(protocol)

    def __getattr__(self, name: str) -> Any:  # get_extra_info, pause_reading, abort, ...
        return getattr(self._transport, name)


class OneWriteHttpProtocol(HttpToolsProtocol):
    """`uvicorn.run(..., http=OneWriteHttpProtocol)`: httptools, one write per response."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        gathering: Any = GatheringTransport(transport, self.loop)
        super().connection_made(gathering)
