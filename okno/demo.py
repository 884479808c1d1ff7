"""Demo tenant, operators and sandbox providers for `okno run` (seeded idempotently at every start)."""

from __future__ import annotations

from okno.embedded import Okno


def seed_demo(okno: Okno, *, base_url: str) -> None:
    """Filled in by the intake work (tenants and operators); prints the demo logins at start."""
