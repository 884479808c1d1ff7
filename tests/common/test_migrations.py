"""Migrations are the only way the schema is made; they must match the models exactly, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.common.db import make_engine
from services.common.migrations import version_table
from tests.conftest import ALL_METADATA


def test_migrated_schema_matches_the_models_of_every_service(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        for service, metadata in zip(("order_confirm", "integrations", "notify"), ALL_METADATA, strict=True):
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "version_table": version_table(service)}
            )
            diff = [
                change
                for change in compare_metadata(context, metadata)
                if not _belongs_to_another_service(change, metadata)
            ]
            assert diff == [], f"{service}: models and migrations differ; run `okno migration new {service} <slug>`"
    engine.dispose()


def _belongs_to_another_service(change: object, metadata: object) -> bool:
    """All services share the test database, so another service's tables show up as 'removed'."""
    if isinstance(change, tuple) and change and change[0] == "remove_table":
        return change[1].name not in metadata.tables  # type: ignore[attr-defined]
    if isinstance(change, tuple) and change and change[0] == "remove_index":
        return change[1].table.name not in metadata.tables  # type: ignore[attr-defined]
    return False
