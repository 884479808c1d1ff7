"""The tests' YooKassa: the sandbox server of `okno run` (okno.sandbox.yookassa), on a real socket.

It speaks YooKassa API v3 (Basic auth, Idempotence-Key, payment objects, capture) and builds the exact
notification bodies YooKassa posts, so tests can deliver them duplicated or out of order.
"""

from __future__ import annotations

from okno.sandbox.yookassa import YooKassaSandbox

FakeYooKassa = YooKassaSandbox

__all__ = ["FakeYooKassa"]
