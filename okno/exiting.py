"""The `okno` commands' exit without Python's last garbage collections (okno/cli.py registers it at exit).

At exit the interpreter's finalization runs full collections over every object still alive, the whole app
included: `okno run` took 4.2–8.2 s from SIGINT to exit on a loaded 2-core machine, 1.8–2.4 s with the heap
frozen first (interleaved, six runs each); any other command, having imported the app, spent 0.7–1.1 s so
(0.03–0.07 s frozen). Every restart, and every test that runs a command or stops an `okno run`, waited for it.
(A freshly started `bench._serve` replica showed no difference: its heap is small.) Frozen objects are not
collected at exit: the process's memory goes with it, and what the app wrote was committed before.
"""

from __future__ import annotations

import gc


def skip_exit_collections() -> None:
    """Run at exit (atexit runs before the interpreter's final collections)."""
    gc.freeze()
