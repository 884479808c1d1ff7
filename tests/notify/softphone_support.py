"""Helpers for the sandbox softphone tests: a softphone driver's event stream read on a real socket."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx


class EventStream:
    """`GET {softphone_url}/events` read in a thread, as the console's sandbox driver reads it with fetch."""

    def __init__(self, url: str, token: str) -> None:
        self.events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self.status: int | None = None
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=None))
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._read, args=(url, token), daemon=True)
        self._thread.start()

    def _read(self, url: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                self._response = response
                self.status = response.status_code
                name = ""
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return  # leaving the `with` closes the connection: the server sees the driver go
                    if line.startswith("event: "):
                        name = line[len("event: ") :]
                    elif line.startswith("data: "):
                        self.events.put((name, json.loads(line[len("data: ") :])))
        except (httpx.HTTPError, RuntimeError):  # closed by `close()` (the driver went away)
            return

    def next(self, timeout: float = 10.0) -> tuple[str, dict[str, Any]]:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        self._stop.set()
        if self._response is not None:
            self._response.close()  # the socket closes: the server sees the driver leave
        self._client.close()
        self._thread.join(timeout=5)


@contextmanager
def event_stream(url: str, token: str) -> Iterator[EventStream]:
    stream = EventStream(url, token)
    try:
        yield stream
    finally:
        stream.close()
