"""`okno run`'s exit without Python's last garbage collections.

Once uvicorn has stopped (Ctrl+C, SIGTERM), the interpreter's finalization runs full collections over every
object still alive, the whole app included: `okno run` took 4.2–8.2 s from SIGINT to exit on a loaded 2-core
machine, 1.8–2.4 s with the heap frozen first (interleaved, six runs each). Every restart and every test that
stops an `okno run` waited for it. (A freshly started `bench._serve` replica showed no difference: its heap is
small.) Frozen objects are not collected at exit: the process's memory goes with it, and what the app wrote
was committed before the server stopped.
"""

from __future__ import annotations

import gc


def skip_exit_collections() -> None:
    """Call once the server has stopped, just before the process returns from its command."""
    gc.freeze()
