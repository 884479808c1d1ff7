from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.common.okno_process import RunningOkno, running_okno


@pytest.fixture(scope="session")
def okno_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningOkno]:
    """One real `okno run` (demo seeded, local 1C connected) on a free port, never 8000, shared by the tests
    that only look at it or add their own orders."""
    with running_okno(tmp_path_factory.mktemp("okno-run")) as running:
        yield running
