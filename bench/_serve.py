"""`python -m bench._serve SERVICE --port P`: one service's production app in its own uvicorn process, plus
`GET /_bench/counters` (SQL statements and commits the process sent, every engine, sync and async).

Settings come from the environment, as in production (`okno serve`); the counters are the only addition.
Statements sent straight through asyncpg are seen only by a query logger on each driver connection, and that
logger costs the server CPU on every statement (asyncpg times and records each query it logs): a benchmark
that measures CPU switches it off for its timed pass (`--driver-statements off`) and on for a short counting
pass of its own (`PUT /_bench/driver-statements` with `on` or `off`, `_measure.count_driver_statements`).
`--workers N` runs N uvicorn worker processes on the port, as `okno serve --workers N` does; each keeps its
own counters (`/_bench/counters` answers for whichever worker took the request), so a benchmark that runs
several reads CPU from the process tree (`_measure.tree_cpu_seconds`) and statements from PostgreSQL.
"""

from __future__ import annotations

import argparse
import itertools
import os
import weakref
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from okno.one_write import OneWriteHttpProtocol
from okno.production import serving
from okno.registry import SERVICES

_statements = itertools.count()
_commits = itertools.count()
_seen = {"statements": 0, "transactions": 0}
_drivers: weakref.WeakSet[Any] = weakref.WeakSet()  # every asyncpg connection the process opened
_DRIVER_VARIABLE = "OKNO_BENCH_DRIVER_STATEMENTS"  # "on" (default) or "off": the logger on new connections


def _count_statement(*_: Any) -> None:
    _seen["statements"] = next(_statements) + 1


def _count_commit(connection: Any = None, *_: Any) -> None:
    if getattr(getattr(connection, "dialect", None), "driver", None) == "asyncpg":
        return  # asyncpg's own COMMIT is counted by its query logger (below)
    _seen["transactions"] = next(_commits) + 1


def _count_driver_query(record: Any) -> None:
    """Hot paths send prepared statements straight through asyncpg (db_async.driver_connection), past
    SQLAlchemy's events: asyncpg's query logger sees those, and every BEGIN/COMMIT on an asyncpg connection
    (SQLAlchemy's own statements go through prepared statements the logger does not see, so none is counted
    twice). BEGIN and ROLLBACK are not statements here, as SQLAlchemy's counter leaves them out too."""
    query = record.query.strip().rstrip(";").upper()
    if query == "COMMIT":
        _seen["transactions"] = next(_commits) + 1
    elif query not in ("BEGIN", "ROLLBACK") and not query.startswith("BEGIN "):
        _count_statement()


def _remember_driver(dbapi_connection: Any, *_: Any) -> None:
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is None or not hasattr(driver, "add_query_logger"):
        return  # not asyncpg
    _drivers.add(driver)
    if os.environ.get(_DRIVER_VARIABLE, "on") == "on":
        driver.add_query_logger(_count_driver_query)


def _log_driver_queries(on: bool) -> None:
    """Attach (or remove) the query logger on every asyncpg connection, open or opened from now on."""
    os.environ[_DRIVER_VARIABLE] = "on" if on else "off"
    for driver in list(_drivers):
        if on:
            driver.add_query_logger(_count_driver_query)
        else:
            driver.remove_query_logger(_count_driver_query)


def instrument(app: FastAPI) -> None:
    """Count every engine's statements and commits in this process; serve them at `/_bench/counters`."""
    event.listen(Engine, "before_cursor_execute", _count_statement)
    event.listen(Engine, "commit", _count_commit)
    event.listen(Pool, "connect", _remember_driver)

    @app.get("/_bench/counters", include_in_schema=False)
    async def counters() -> dict[str, int]:
        return dict(_seen)

    @app.put("/_bench/driver-statements", include_in_schema=False)
    async def driver_statements(request: Request) -> dict[str, int]:
        # Runs on the loop that owns the connections, so no statement is in the middle of being logged.
        _log_driver_queries((await request.body()).strip() == b"on")
        return {"connections": len(_drivers)}


def instrumented_app() -> FastAPI:
    """uvicorn's factory, in every worker process: the service named by `main` through the environment."""
    app = SERVICES[os.environ[_SERVICE_VARIABLE]].app()
    instrument(app)
    return serving(app)  # as okno serve's factories do


_SERVICE_VARIABLE = "OKNO_BENCH_SERVICE"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("service", choices=sorted(SERVICES))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--limit-concurrency", type=int, default=None, help="per worker process")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--driver-statements", choices=("on", "off"), default="on", help="count asyncpg's statements from the start"
    )
    args = parser.parse_args()
    os.environ[_SERVICE_VARIABLE] = args.service  # worker processes inherit it
    os.environ[_DRIVER_VARIABLE] = args.driver_statements
    uvicorn.run(
        "bench._serve:instrumented_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        proxy_headers=False,  # as `okno serve` (forwarding headers are the apps' to judge)
        http=OneWriteHttpProtocol,  # as `okno serve`: one socket write per response
        limit_concurrency=args.limit_concurrency,
    )


if __name__ == "__main__":
    main()
