"""okno/one_write.py: what uvicorn writes during one turn of the loop leaves in one socket write, and the bytes a
client receives are uvicorn's own — keep-alive, a streamed body, a large body, a closed connection."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from okno.one_write import DIRECT_WRITE_BYTES, GatheringTransport, OneWriteHttpProtocol
from tests.support import live_server, run_coroutine


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else None


def gathering() -> tuple[GatheringTransport, FakeTransport, asyncio.AbstractEventLoop]:
    loop = asyncio.get_running_loop()
    fake = FakeTransport()
    return GatheringTransport(fake, loop), fake, loop  # type: ignore[arg-type]


async def _one_turn() -> None:
    await asyncio.sleep(0)


def test_writes_of_one_turn_leave_in_one_write_in_order() -> None:
    async def scenario() -> list[bytes]:
        transport, fake, _ = gathering()
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"body")
        assert fake.writes == []  # nothing before the end of the turn
        await _one_turn()
        transport.write(b"next")
        await _one_turn()
        return fake.writes

    assert run_coroutine(scenario()) == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]


def test_close_and_a_large_write_hand_over_what_is_gathered_first() -> None:
    large = b"x" * DIRECT_WRITE_BYTES

    async def scenario() -> tuple[list[bytes], list[bytes], bool]:
        transport, fake, _ = gathering()
        transport.write(large)  # nothing gathered: straight through
        direct = list(fake.writes)
        transport.write(b"head")
        transport.write(large)  # behind what is gathered: joins it, order kept
        transport.close()
        await _one_turn()
        return direct, fake.writes, fake.closed

    direct, writes, closed = run_coroutine(scenario())
    assert direct == [large]
    assert writes == [large, b"head" + large] and closed


def test_what_is_gathered_when_the_peer_went_away_is_dropped() -> None:
    async def scenario() -> list[bytes]:
        transport, fake, _ = gathering()
        transport.write(b"late")
        fake.closed = True  # the connection was lost during the turn
        await _one_turn()
        return fake.writes

    assert run_coroutine(scenario()) == []


async def small(request: Request) -> Response:
    return PlainTextResponse(f"hello {request.query_params.get('n', '')}")


async def large(request: Request) -> Response:
    return Response(b"L" * 300_000, media_type="application/octet-stream")


async def streamed(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for n in range(5):
            yield f"chunk {n};".encode()
            await asyncio.sleep(0)

    return StreamingResponse(chunks(), media_type="text/plain")


async def closing(request: Request) -> Response:
    return PlainTextResponse("bye", headers={"Connection": "close"})


APP = Starlette(
    routes=[
        Route("/small", small),
        Route("/large", large),
        Route("/streamed", streamed),
        Route("/closing", closing),
    ]
)


def exchange(sock: socket.socket, path: str) -> tuple[bytes, bytes]:
    """One GET on a kept-alive connection: (header block, body), the body read by its length or chunks."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    stream = sock.makefile("rb")
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += stream.readline()
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), None
    )
    if length is not None:
        return head, stream.read(length)
    body = b""
    while (size := int(stream.readline().strip(), 16)) != 0:
        body += stream.read(size)
        stream.readline()
    stream.readline()
    return head, body


@pytest.mark.parametrize("http", ["httptools", OneWriteHttpProtocol])
def test_responses_are_the_same_over_the_one_write_protocol(http: Any) -> None:
    with live_server(APP, http=http) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            answers = [exchange(sock, path) for path in ("/small?n=1", "/large", "/streamed", "/small?n=2")]
            head, body = exchange(sock, "/closing")
            assert sock.recv(1) == b"", "the server closed the connection after the response"
    assert [body for _, body in answers] == [
        b"hello 1",
        b"L" * 300_000,
        b"chunk 0;chunk 1;chunk 2;chunk 3;chunk 4;",
        b"hello 2",
    ]
    assert all(head.startswith(b"HTTP/1.1 200 OK\r\n") for head, _ in answers)
    assert b"connection: close" in head.lower() and body == b"bye"
