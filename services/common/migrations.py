"""Alembic, one history per service: each service keeps `migrations/` beside its models and its own
version table, so the three histories can share one database (the embedded mode) without colliding."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from services.common.db import normalize_url

SERVICES = ("order_confirm", "integrations", "notify")
_ROOT = Path(__file__).resolve().parent.parent


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_ROOT / service / "migrations"))
    config.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(service: str, database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def run_env(metadata: MetaData, service: str) -> None:
    """Body of every service's `migrations/env.py`."""
    from alembic import context
    from sqlalchemy import engine_from_config, pool

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(
            url=url,
            target_metadata=metadata,
            version_table=version_table(service),
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = config.attributes.get("connection") or engine_from_config(
        config.get_section(config.config_ini_section) or {"sqlalchemy.url": url},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table(service),
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
