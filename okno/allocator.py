"""The embedded process's memory allocator: one glibc malloc arena instead of one per thread.

`okno run` keeps about twenty threads (uvicorn, the in-process worker, the scheduler, one thread per aiosqlite
connection). By default glibc gives threads arenas of their own (up to 8 per core), and memory freed in one
arena is kept there, not reused by another: RSS grew 178 → 185 → 188 MB over 500 / 1 000 / 1 500 orders
while the bytes in use stayed at 46.6 MB and the freed-but-kept bytes went 13.0 → 16.9 → 19.8 MB. With one
arena: 175 → 178 → 178 MB, kept-free 10.1 → 9.6 → 9.6 MB (bench/RESULTS.md, `bench.rss --breakdown`).
Threads then share one arena's lock; the embedded mode is a small installation's process, so that is cheap.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8  # glibc's <malloc.h>


def use_one_malloc_arena() -> bool:
    """Make every later thread allocate from the main arena; True if the C library took it (glibc only).
    Call it before the process starts its threads: an arena made before stays in use."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    return bool(mallopt(M_ARENA_MAX, 1))
