"""The shop's side: signed order webhooks at a steady rate, each retried until Okno acknowledges it (202),
as a shop's webhook sender does. Only a 202 counts as acknowledged: that is Okno's promise."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from okno.demo import sample_order
from services.integrations.domain.signatures import sign


@dataclass
class Webhook:
    external_id: str
    body: str
    webhook_id: str = field(default_factory=lambda: f"msg_{uuid.uuid4().hex}")
    attempts: int = 0
    acknowledged_at: float | None = None


class Shop:
    def __init__(self, base_url: str, tenant: str, secret: str, *, count: int, rate: float, senders: int) -> None:
        self.url = f"{base_url}/v1/webhooks/{tenant}/orders"
        self.secret = secret
        self.rate = rate
        self.senders = senders
        self.webhooks = [
            Webhook(f"FAULT-{n:05d}", _order_json(f"FAULT-{n:05d}", f"+7916{n:07d}")) for n in range(count)
        ]
        self.failures: Counter[str] = Counter()
        self._next = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.stop = threading.Event()

    def start(self) -> None:
        started = time.monotonic()
        self._threads = [
            threading.Thread(target=self._send_loop, args=(started,), daemon=True) for _ in range(self.senders)
        ]
        for thread in self._threads:
            thread.start()

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.stop.set()

    @property
    def acknowledged(self) -> list[Webhook]:
        return [w for w in self.webhooks if w.acknowledged_at is not None]

    @property
    def attempts(self) -> int:
        return sum(w.attempts for w in self.webhooks)

    def _take(self) -> int | None:
        with self._lock:
            if self._next >= len(self.webhooks):
                return None
            self._next += 1
            return self._next - 1

    def _send_loop(self, started: float) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.stop.is_set() and (n := self._take()) is not None:
                due = started + n / self.rate
                time.sleep(max(0.0, due - time.monotonic()))
                self._deliver(client, self.webhooks[n])

    def _deliver(self, client: httpx.Client, webhook: Webhook) -> None:
        backoff = 0.5
        while not self.stop.is_set():
            webhook.attempts += 1
            outcome = self._post(client, webhook)
            if outcome == "acknowledged":
                webhook.acknowledged_at = time.monotonic()
                return
            self.failures[outcome] += 1
            time.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    def _post(self, client: httpx.Client, webhook: Webhook) -> str:
        headers = sign(self.secret, webhook.webhook_id, datetime.now(UTC), webhook.body)
        try:
            headers["content-type"] = "application/json"
            answer = client.post(self.url, content=webhook.body.encode(), headers=headers)
        except httpx.ConnectError:
            return "connection refused"
        except httpx.HTTPError as error:
            return error.__class__.__name__
        if answer.status_code == 202:
            return "acknowledged"
        return f"HTTP {answer.status_code}"


def _order_json(external_id: str, phone: str) -> str:
    return json.dumps(sample_order(external_id, phone=phone), ensure_ascii=False)
