"""`okno run` with a memory probe, for `bench.rss --breakdown` only (never a production entry point).

On SIGUSR1 the process writes, as JSON to the file named by OKNO_BENCH_PROBE_FILE, what its memory is made
of: live Python objects and pymalloc blocks, glibc malloc's bytes in use and bytes freed but kept (mallinfo2),
and SQLite's own heap. RSS growing while the first three stay flat is the allocator keeping freed memory
(fragmentation), not something holding on to orders.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Any

PROBE_FILE = "OKNO_BENCH_PROBE_FILE"
_MALLINFO_FIELDS = [
    "arena",
    "ordblks",
    "smblks",
    "hblks",
    "hblkhd",
    "usmblks",
    "fsmblks",
    "uordblks",
    "fordblks",
    "keepcost",
]


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _MALLINFO_FIELDS]


def breakdown() -> dict[str, Any]:
    if not os.environ.get("OKNO_BENCH_PROBE_NO_GC"):
        gc.collect()
    found: dict[str, Any] = {
        "python_objects": len(gc.get_objects()),
        "pymalloc_blocks": sys.getallocatedblocks(),
        "threads": threading.active_count(),
    }
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
        found |= {
            "malloc_in_use_mb": info.uordblks / 1e6,
            "malloc_free_kept_mb": info.fordblks / 1e6,
            "malloc_mmapped_mb": info.hblkhd / 1e6,
        }
    except (OSError, AttributeError):  # not glibc (or older than 2.33)
        pass
    import _sqlite3

    sqlite = ctypes.CDLL(_sqlite3.__file__)
    sqlite.sqlite3_memory_used.restype = ctypes.c_int64
    found["sqlite_heap_mb"] = sqlite.sqlite3_memory_used() / 1e6
    return found | pymalloc() | mappings()


def pymalloc() -> dict[str, float]:
    """pymalloc's arenas (1 MiB each, outside malloc): in blocks in use vs held free (fragmentation)."""
    with tempfile.TemporaryFile("w+") as captured:
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)  # _debugmallocstats writes to the C stderr
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        lines = captured.read().splitlines()
    split = (line.rpartition("=") for line in lines)
    figures = {name.strip(): value.strip().replace(",", "") for name, _, value in split}
    allocated = int(figures.get("# bytes in allocated blocks", 0))
    current = int(figures.get("# arenas allocated current", 0))
    return {"pymalloc_arenas_mb": current * 1.048576, "pymalloc_in_blocks_mb": allocated / 1e6}


def mappings() -> dict[str, float]:
    """Resident memory by kind of mapping: malloc's heap, other anonymous (pymalloc arenas, thread stacks,
    malloc's large blocks), files (shared libraries)."""
    resident = {"heap": 0, "anon": 0, "file": 0}
    kind = "anon"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and not fields[0].endswith(":"):
            name = fields[5] if len(fields) > 5 else ""
            kind = "heap" if name == "[heap]" else "anon" if not name or name.startswith("[") else "file"
        elif fields[0] == "Rss:":
            resident[kind] += int(fields[1])
    return {f"rss_{kind}_mb": kb / 1024 for kind, kb in resident.items()}


def _write(_signal: int, _frame: FrameType | None) -> None:
    Path(os.environ[PROBE_FILE]).write_text(json.dumps(breakdown()))


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _write)
    from okno.cli import app

    sys.argv = ["okno", *sys.argv[1:]]
    app()
