"""`Envelope[Any]` is built once per process, not once per message (issue 13)."""

import gc
import weakref
from typing import Any

from contracts.envelope import Envelope


def test_the_envelope_of_any_payload_outlives_a_garbage_collection() -> None:
    # pydantic caches parametrized models weakly: without the module's own reference the collector frees the
    # class and the next message rebuilds its schema (about a millisecond of CPU on every outbox write).
    built = weakref.ref(Envelope[Any])
    gc.collect()
    assert built() is not None
    assert Envelope[Any] is built()
