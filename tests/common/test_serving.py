"""`okno serve`'s app factories take what the start built out of the garbage collector's reach."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from okno.production import serving


def test_serving_an_app_freezes_what_was_built_to_start_it() -> None:
    app = FastAPI()
    gc.unfreeze()
    try:
        assert serving(app) is app
        assert gc.get_freeze_count() > 0  # full collections no longer scan the start's objects
    finally:
        gc.unfreeze()  # this test process builds many apps: leave its collector as it was
