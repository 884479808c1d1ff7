"""At most a few whole test suites at once on one machine (several checkouts of Okno share a 2-core box).

Each whole run (`pytest -n …`, what `make test` does) takes one of `OKNO_TEST_SUITE_SLOTS` (default 2)
machine-wide file locks before it starts its workers and holds it to the end; further runs wait. Suites that
share the cores with many others time out in their waits and fail for no fault of the code; a CI run alone on
its machine never waits. Single-file runs without xdist are not gated.
"""

from __future__ import annotations

import fcntl
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

_held: list[IO[bytes]] = []


def take_suite_slot() -> None:
    slots = max(1, int(os.environ.get("OKNO_TEST_SUITE_SLOTS", "2")))
    folder = Path(tempfile.gettempdir())
    announced = False
    while True:
        for slot in range(slots):
            handle = (folder / f"okno-test-suite-slot-{slot}.lock").open("ab")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            _held.append(handle)
            return
        if not announced:
            # pytest captures sys.stderr by now; the original stream reaches the terminal.
            print(
                f"waiting for one of {slots} test-suite slots (other suites run on this machine)", file=sys.__stderr__
            )
            announced = True
        time.sleep(2)
