"""`python -m bench` (or `make bench`): run every benchmark with its default (CI-sized) scale, one after another."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path


def main() -> int:
    names = sorted(
        module.name
        for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        # bench.faults stops databases and kills processes for minutes: on demand only, never in a bench run.
        if not module.name.startswith("_") and module.name not in ("common", "faults")
    )
    failures = 0
    for name in names if len(sys.argv) < 2 else sys.argv[1:]:
        importlib.import_module(f"bench.{name}")  # fail early on an import error
        print(f"\n=== bench.{name} ===", flush=True)
        failures += subprocess.call([sys.executable, "-m", f"bench.{name}"]) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
