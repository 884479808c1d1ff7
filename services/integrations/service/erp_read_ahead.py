"""A pull's pages read ahead: each page fetched, mapped, hashed and validated while the caller writes the one
before it — and for a long pull, in a process of its own.

Preparing a page is about half of a pull's CPU, and in a thread it takes turns with the writing under one
GIL: on two cores a 100 000-order pull kept one core busy and the other half idle. So once the first page
says more follow, a child process (`python -m services.integrations.service.erp_read_ahead`) prepares the
rest and sends each page over a pipe as plain strings (`erp_pages.CheckedPage`); a pull of one page never
starts it. The child only reads from the ERP: killing it loses nothing, and it ends by itself when the pull
does (its next write finds the pipe closed).

Reading ahead changes nothing the cursor guarantees: a page is still applied only if the cursor is where it
started, and a read-ahead page whose predecessor failed is dropped with the pull.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import subprocess
import sys
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import IO, Any

import structlog

from services.integrations.adapters.erp.base import ErpAdapter, PullPosition
from services.integrations.adapters.erp.providers import adapter_for
from services.integrations.service.erp_pages import CheckedPage, checked_page

log = structlog.get_logger(__name__)
_HEADER = struct.Struct("!Q")  # a frame's length, then its pickle


@dataclass(frozen=True)
class ErpSource:
    """What reaching a tenant's ERP takes (an `ErpConnection`'s fields), picklable for the child process."""

    kind: str
    base_url: str
    username: str
    password: str
    mapping: dict[str, Any]
    timeout_seconds: float


class ReadAheadLost(RuntimeError):
    """The read-ahead process ended without sending the next page (killed, out of memory)."""


def prefetched_pages(
    source: ErpSource, position: PullPosition, page_size: int, max_pages: int | None, *, own_process: bool
) -> Generator[CheckedPage, None, None]:
    """The ERP's pages in order, the next one prepared while the caller writes this one. One thread does all
    the fetching, so an adapter (its HTTP client and catalog cache) is never used concurrently."""
    if max_pages is not None and max_pages <= 0:
        return
    children: list[subprocess.Popen[bytes]] = []
    pages = _pages(source, position, page_size, max_pages, children if own_process else None)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="okno-erp-read-ahead") as ahead:
        upcoming: Future[CheckedPage | None] | None = ahead.submit(next, pages, None)
        try:
            while upcoming is not None:
                page = upcoming.result()
                if page is None:
                    return
                upcoming = None if page.exhausted else ahead.submit(next, pages, None)
                yield page
        finally:
            # A pull ending early: the child goes at once (the page it prepares is not wanted), a page being
            # fetched here is waited for, then the adapter closes.
            for child in children:
                if child.poll() is None:
                    child.kill()
            if upcoming is not None:
                upcoming.cancel()
                wait([upcoming])
            pages.close()


def _pages(
    source: ErpSource,
    position: PullPosition,
    page_size: int,
    max_pages: int | None,
    children: list[subprocess.Popen[bytes]] | None,
) -> Generator[CheckedPage, None, None]:
    """The first page here; the rest in a child process when `children` is given (where it is recorded),
    else here with the same adapter (its catalog cache: each partner and product read once per pull)."""
    adapter = adapter_for(source, timeout_seconds=source.timeout_seconds)
    try:
        first = checked_page(adapter, position, page_size)
        yield first
        rest = None if max_pages is None else max_pages - 1
        if first.exhausted or rest == 0:
            return
        child = None if children is None else _started_child()
        if child is None:
            yield from _pages_here(adapter, first.position, page_size, rest)
            return
    finally:
        adapter.close()
    assert children is not None
    children.append(child)
    yield from _pages_from_child(child, (source, first.position, page_size, rest))


def _started_child() -> subprocess.Popen[bytes] | None:
    """The read-ahead process, or None where none can be started (no interpreter to run: the pull goes on in
    this process, as slow as before, not failed)."""
    try:
        return subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    except OSError as error:
        log.warning("erp.read_ahead_process_not_started", error=repr(error))
        return None


def _pages_here(
    adapter: ErpAdapter, position: PullPosition, page_size: int, max_pages: int | None
) -> Iterator[CheckedPage]:
    fetched = 0
    while max_pages is None or fetched < max_pages:
        page = checked_page(adapter, position, page_size)
        fetched, position = fetched + 1, page.position
        yield page
        if page.exhausted:
            return


def _pages_from_child(child: subprocess.Popen[bytes], job: tuple[Any, ...]) -> Iterator[CheckedPage]:
    assert child.stdin is not None and child.stdout is not None
    try:
        with child.stdin:
            child.stdin.write(pickle.dumps(job))
        while (frame := _read_frame(child.stdout)) is not None:
            kind, value = frame
            if kind == "error":
                raise value
            yield value
        if child.wait() != 0:
            raise ReadAheadLost(f"the ERP read-ahead process ended with exit code {child.returncode}")
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()


def _read_frame(stream: IO[bytes]) -> tuple[str, Any] | None:
    header = stream.read(_HEADER.size)
    if not header:
        return None
    (size,) = _HEADER.unpack(header) if len(header) == _HEADER.size else (-1,)
    body = stream.read(size) if size >= 0 else b""
    if len(body) != size:
        raise ReadAheadLost("the ERP read-ahead process ended in the middle of a page")
    kind, value = pickle.loads(body)
    return str(kind), value


def _write_frame(stream: IO[bytes], kind: str, value: Any) -> None:
    body = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(body)))
    stream.write(body)
    stream.flush()


def _serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The child: prepare pages from the position given until the ERP runs out (or `max_pages`)."""
    source, position, page_size, max_pages = pickle.loads(stdin.read())
    adapter = adapter_for(source, timeout_seconds=source.timeout_seconds)
    try:
        for page in _pages_here(adapter, position, page_size, max_pages):
            _write_frame(stdout, "page", page)
    except BrokenPipeError:
        raise
    except Exception as error:  # the pull raises it: a RemoteFailure is noted on the cursor as from a thread
        try:
            pickle.dumps(error)
        except Exception:
            error = RuntimeError(f"ERP read-ahead failed: {error!r}")
        _write_frame(stdout, "error", error)
    finally:
        adapter.close()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the pull's to handle; it ends this process
    frames = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print or log line must not land between the frames
    try:
        _serve(sys.stdin.buffer, frames)
    except BrokenPipeError:  # the pull ended (or was killed) first: nothing left to do, not even a flush
        os._exit(0)
