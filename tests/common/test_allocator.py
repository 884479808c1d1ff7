"""`okno run` allocates from one malloc arena: per-thread arenas kept freed memory and RSS grew with orders."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# Threads that allocate, then a count of malloc's arenas (`<heap nr=…>` in glibc's malloc_info report).
ARENAS_AFTER_THREADS = textwrap.dedent(
    """
    import ctypes, ctypes.util, sys, tempfile, threading
    from okno.allocator import use_one_malloc_arena
    if sys.argv[1] == "one":
        assert use_one_malloc_arena()
    held, barrier = [], threading.Barrier(4)
    def allocate():
        barrier.wait()  # all four alive at once: none can inherit a finished thread's arena
        held.append([bytes(200) + bytes(i % 7) for i in range(2000)])
        barrier.wait()
    threads = [threading.Thread(target=allocate) for _ in range(4)]
    [t.start() for t in threads]; [t.join() for t in threads]
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype = ctypes.c_void_p
    with tempfile.NamedTemporaryFile() as report:
        stream = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, ctypes.c_void_p(stream))
        libc.fclose(ctypes.c_void_p(stream))
        print(open(report.name).read().count("<heap nr="))
    """
)


def arenas(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", ARENAS_AFTER_THREADS, mode], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_threads_share_one_arena_after_use_one_malloc_arena() -> None:
    assert arenas("default") > 1  # the default this guards against: threads get arenas of their own
    assert arenas("one") == 1
