"""What the migrations that seal existing secret columns share (services/common/encryption).

Upgrade: read every value in clear, make sure a key exists if there is anything to seal (else stop before
touching the schema), turn the columns into text, and write each value back sealed with the primary key.
Downgrade: the reverse. Every table has an integer `id` primary key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.common.encryption import Keyring, keyring_for
from services.common.types import JSONDocument


@dataclass(frozen=True)
class SealedColumn:
    table: str
    column: str
    kind: Literal["string", "json"]
    nullable: bool
    length: int = 200  # the plain string column's length (downgrade)

    @property
    def plain_type(self) -> Any:
        return JSONDocument if self.kind == "json" else sa.String(length=self.length)


def seal_columns(op: Any, service: str, columns: Iterable[SealedColumn]) -> None:
    columns = tuple(columns)
    bind: Connection = op.get_bind()
    values = {column: _read(bind, column) for column in columns}
    keyring = keyring_for(service) if any(values.values()) else None  # SecretKeysMissing: nothing changed yet
    for column in columns:
        _alter(op, bind, column, to_sealed=True)
    for column, rows in values.items():
        assert keyring is not None or not rows
        for row_id, value in rows:
            _write(bind, column, row_id, _seal(keyring, column, value) if keyring else value)


def unseal_columns(op: Any, service: str, columns: Iterable[SealedColumn]) -> None:
    columns = tuple(columns)
    bind: Connection = op.get_bind()
    values = {column: _read(bind, column) for column in columns}
    keyring = keyring_for(service) if any(values.values()) else None
    for column in columns:
        _alter(op, bind, column, to_sealed=False)
    for column, rows in values.items():
        for row_id, token in rows:
            assert keyring is not None
            plain = keyring.open(str(token))
            _write(bind, column, row_id, json.loads(plain) if column.kind == "json" else plain, typed=True)


def _read(bind: Connection, column: SealedColumn) -> list[tuple[int, Any]]:
    statement = sa.text(f'SELECT id, "{column.column}" FROM "{column.table}" WHERE "{column.column}" IS NOT NULL')
    return [(int(row_id), value) for row_id, value in bind.execute(statement)]


def _seal(keyring: Keyring, column: SealedColumn, value: Any) -> str:
    if column.kind == "json":
        document = json.loads(value) if isinstance(value, str) else value  # SQLite: text; PostgreSQL: decoded
        value = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return keyring.seal(str(value))


def _write(bind: Connection, column: SealedColumn, row_id: int, value: Any, *, typed: bool = False) -> None:
    value_type = column.plain_type if typed else sa.Text()
    table = sa.table(column.table, sa.column("id", sa.Integer()), sa.column(column.column, value_type))
    bind.execute(table.update().where(table.c.id == row_id).values({column.column: value}))


def _alter(op: Any, bind: Connection, column: SealedColumn, *, to_sealed: bool) -> None:
    old, new = (column.plain_type, sa.Text()) if to_sealed else (sa.Text(), column.plain_type)
    if bind.dialect.name == "postgresql":
        if to_sealed:
            using = f'"{column.column}"::text'
        else:  # the sealed text is replaced by the opened value right after: only the type has to fit
            using = "'{}'::jsonb" if column.kind == "json" else f'left("{column.column}", {column.length})'
        op.alter_column(
            column.table,
            column.column,
            existing_type=old,
            type_=new,
            existing_nullable=column.nullable,
            postgresql_using=using,
        )
        return
    with op.batch_alter_table(column.table, schema=None) as batch:
        batch.alter_column(column.column, existing_type=old, type_=new, existing_nullable=column.nullable)
