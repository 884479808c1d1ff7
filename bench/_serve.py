"""`python -m bench._serve SERVICE --port P`: one service's production app in its own uvicorn process, plus
`GET /_bench/counters` (SQL statements and commits the process sent, every engine, sync and async).

Settings come from the environment, as in production (`okno serve`); the counters are the only addition.
"""

from __future__ import annotations

import argparse
import itertools
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import Engine

from okno.registry import SERVICES

_statements = itertools.count()
_commits = itertools.count()
_seen = {"statements": 0, "transactions": 0}


def _count_statement(*_: Any) -> None:
    _seen["statements"] = next(_statements) + 1


def _count_commit(*_: Any) -> None:
    _seen["transactions"] = next(_commits) + 1


def instrument(app: FastAPI) -> None:
    """Count every engine's statements and commits in this process; serve them at `/_bench/counters`."""
    event.listen(Engine, "before_cursor_execute", _count_statement)
    event.listen(Engine, "commit", _count_commit)

    @app.get("/_bench/counters", include_in_schema=False)
    async def counters() -> dict[str, int]:
        return dict(_seen)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("service", choices=sorted(SERVICES))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--limit-concurrency", type=int, default=None)
    args = parser.parse_args()
    app = SERVICES[args.service].app()
    instrument(app)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        limit_concurrency=args.limit_concurrency,
    )


if __name__ == "__main__":
    main()
