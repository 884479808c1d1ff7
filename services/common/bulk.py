"""Statements over a thousand rows at once on PostgreSQL (an ERP pull's pages): COPY, ids, array membership.

A multi-row INSERT of 1 000 rows costs PostgreSQL a parse, a plan and 1 000 parameter conversions, and
SQLAlchemy a bind processor per value; COPY streams the rows as text in the caller's transaction and
PostgreSQL parses them once. The caller gives values as PostgreSQL's text input reads them: aware
datetimes, JSON columns already serialized. SQLite has no COPY: callers keep their multi-row INSERT there
(`supports_copy`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, Table, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped
from sqlmodel import Session, SQLModel

if TYPE_CHECKING:
    import psycopg


def supports_copy(session: Session) -> bool:
    return _on_postgresql(session)


def is_one_of(session: Session, column: Mapped[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL as `= ANY(array)`, one parameter: psycopg converts a query of 1 000
    placeholders in Python, and that took longer than the server took to answer it."""
    element = cast(ColumnElement[Any], column)  # an ORM attribute (`sqlmodel.col`) compares like its column
    if not _on_postgresql(session):
        return element.in_(values)
    return element == any_(bindparam(None, list(values), type_=ARRAY(element.type)))


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def copy_rows(session: Session, model: type[SQLModel], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write `rows` (values in `columns`' order) into `model`'s table in the session's transaction."""
    table = _table_of(model)
    unknown = [name for name in columns if name not in table.c]
    if unknown:  # a typo would otherwise reach PostgreSQL as a confusing COPY error mid-stream
        raise ValueError(f"{table.name} has no column(s) {unknown}")
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    with _driver_connection(session).cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def next_ids(session: Session, model: type[SQLModel], count: int) -> list[int]:
    """`count` values of the sequence behind `table.id`, ascending, in one round trip: rows written by COPY
    with these ids are in the caller's hands without reading them back."""
    if count <= 0:
        return []
    query = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
    return sorted(
        int(value) for value in session.execute(query, {"table": _table_of(model).name, "count": count}).scalars()
    )


def _table_of(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]  # set on every `table=True` model
    assert isinstance(table, Table)
    return table


def _driver_connection(session: Session) -> psycopg.Connection[Any]:
    import psycopg  # here, not at import: the embedded mode (SQLite) never loads the driver (~4 MB)

    connection = session.connection().connection.driver_connection
    if not isinstance(connection, psycopg.Connection):
        raise TypeError(f"COPY needs a psycopg connection, not {type(connection).__name__}")
    return connection
