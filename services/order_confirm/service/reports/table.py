"""A report as a table: the same columns and rows feed the JSON answer, the CSV and the XLSX export."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    SECONDS = "seconds"
    SHARE = "share"  # 0..1
    NUMBER = "number"
    MONEY = "money"  # minor units in the row, currency in the report's `currency`


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind


GROUP_COLUMNS = (
    Column("group", "Group", Kind.TEXT),
    Column("group_id", "Group id", Kind.TEXT),
)


@dataclass
class ReportTable:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "report": self.name,
            "title": self.title,
            "columns": [{"key": c.key, "title": c.title, "kind": c.kind.value} for c in self.columns],
            "rows": self.rows,
            **self.meta,
        }
