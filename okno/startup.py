"""What `okno run` does once the process is up: demo data and sandbox providers (never outside `okno run`)."""

from __future__ import annotations

from collections.abc import Callable

from okno.embedded import Okno


def on_embedded_startup(*, demo: bool, base_url: str) -> Callable[[Okno], None]:
    def start(okno: Okno) -> None:
        if demo:
            from okno.demo import seed_demo

            seed_demo(okno, base_url=base_url)
            from okno.demo import DEMO_TENANT
            from okno.sandbox.onec_demo import start_demo_onec

            start_demo_onec(okno, DEMO_TENANT.slug)

    return start
