"""Statements over a page of rows at once (services/common/bulk.py): COPY and ids on PostgreSQL, the same
membership test on both databases. The ERP pull writes its pages through these."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, select

from services.common.bulk import copy_rows, is_one_of, next_ids, supports_copy
from services.common.db import make_engine, transaction
from services.integrations.models import ErpDocument, OutboxMessage

NOW = datetime(2026, 11, 23, 9, 15, 30, 123456, tzinfo=UTC)
COLUMNS = (
    "id",
    "message_id",
    "message_type",
    "tenant",
    "envelope",
    "created_at",
    "publish_attempts",
    "republish_count",
)


def outbox_row(row_id: int, envelope: str) -> tuple[object, ...]:
    return (row_id, str(uuid.uuid4()), "order_snapshot.received", "books", envelope, NOW, 0, 0)


def test_copied_rows_read_back_as_the_orm_writes_them_and_a_rollback_takes_them_back(
    postgres_database_url: str,
) -> None:
    engine = make_engine(postgres_database_url)
    bodies = ['{"a": 1}', '{"b": "Ёлка \\"в\\" тексте"}', "{}"]
    with transaction(engine) as session:
        assert supports_copy(session)
        ids = next_ids(session, OutboxMessage, 3)
        copy_rows(
            session,
            OutboxMessage,
            COLUMNS,
            [outbox_row(row_id, body) for row_id, body in zip(ids, bodies, strict=True)],
        )
    with pytest.raises(RuntimeError), transaction(engine) as session:
        copy_rows(session, OutboxMessage, COLUMNS, [outbox_row(next_ids(session, OutboxMessage, 1)[0], "{}")])
        raise RuntimeError("the page fails after its COPY")

    with Session(engine) as session:
        written = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    engine.dispose()
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [r.id for r in written] == ids  # the rolled-back row is gone
    assert [r.envelope for r in written] == [{"a": 1}, {"b": 'Ёлка "в" тексте'}, {}]
    assert {r.created_at for r in written} == {NOW}
    assert all(r.published_at is None and r.settled_at is None for r in written)


def test_a_column_the_table_lacks_is_refused_before_anything_is_sent(postgres_database_url: str) -> None:
    engine = make_engine(postgres_database_url)
    with pytest.raises(ValueError, match="no column"), transaction(engine) as session:
        copy_rows(session, ErpDocument, ("tenant", "documentkey"), [("books", "k")])
    engine.dispose()


def test_one_of_matches_the_same_rows_on_both_databases(database_url: str) -> None:
    engine = make_engine(database_url)
    keys = [f"doc-{n}" for n in range(1_200)]
    with transaction(engine) as session:
        for key in ("doc-7", "doc-1199", "elsewhere"):
            session.add(
                ErpDocument(
                    tenant="books", document_key=key, external_id=key, content_hash="h", pulled_at=NOW, updated_at=NOW
                )
            )
    with Session(engine) as session:
        found = session.exec(
            select(ErpDocument.document_key).where(is_one_of(session, col(ErpDocument.document_key), keys))
        ).all()
        none = session.exec(select(ErpDocument.id).where(is_one_of(session, col(ErpDocument.document_key), []))).all()
    engine.dispose()
    assert sorted(found) == ["doc-1199", "doc-7"]
    assert none == []
