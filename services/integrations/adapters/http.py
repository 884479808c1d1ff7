"""HTTP clients of the adapters share one TLS context: loading the CA bundle costs ~80 ms per client."""

from __future__ import annotations

import ssl
from functools import cache


@cache
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()
