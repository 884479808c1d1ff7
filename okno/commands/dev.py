"""Developer commands: `okno migration new SERVICE SLUG` autogenerates a revision from the models."""

from __future__ import annotations

import fcntl
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from alembic import command

from services.common.migrations import SERVICES, alembic_config, upgrade

migration = typer.Typer(help="Alembic revisions of each service.", no_args_is_help=True)


@migration.command("new")
def new_revision(
    service: Annotated[str, typer.Argument(help="order_confirm | integrations | notify")],
    slug: Annotated[str, typer.Argument(help="what the revision does, e.g. add_payment_links")],
) -> None:
    """Compare the models with a scratch database at head and write the difference as a new revision."""
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}")
    # Several people (or helpers) may generate revisions at once; one at a time keeps the history linear.
    with (
        open(Path(tempfile.gettempdir()) / "okno-migration.lock", "w") as lock,
        tempfile.TemporaryDirectory() as scratch,
    ):
        fcntl.flock(lock, fcntl.LOCK_EX)
        url = f"sqlite:///{Path(scratch) / 'scratch.db'}"
        upgrade(service, url)
        config = alembic_config(service, url)
        config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s")
        script = command.revision(config, message=slug, autogenerate=True)
    # Generated code goes through the same formatter as the rest, so `ruff format --check` stays clean.
    paths = [s.path for s in (script if isinstance(script, list) else [script]) if s is not None]
    ruff = Path(sys.executable).with_name("ruff")
    if paths and ruff.exists():
        subprocess.run([str(ruff), "format", "--quiet", *paths], check=False)


openapi = typer.Typer(help="The committed OpenAPI documents in contracts/openapi/.", no_args_is_help=True)


@openapi.command("write")
def write_openapi() -> None:
    """Regenerate contracts/openapi/<service>.json after a deliberate API change (review the diff!)."""
    from okno.openapi import write_documents

    for path in write_documents():
        typer.echo(f"wrote {path}")


docs = typer.Typer(help="Documentation generated from the code (docs/vocabulary.md, docs/outcomes.md).")


@docs.command("write")
def write_docs() -> None:
    """Regenerate the pages written from the code's vocabularies and contracts (review the diff!)."""
    from okno.generated_docs import write_pages

    for path in write_pages():
        typer.echo(f"wrote {path}")


def settings_table() -> None:
    """Print every setting (environment variable, default, meaning) as the README's Markdown table."""
    from okno.settings_doc import markdown_table

    typer.echo(markdown_table())


def register(app: typer.Typer) -> None:
    app.command("settings")(settings_table)
    app.add_typer(migration, name="migration")
    app.add_typer(openapi, name="openapi")
    app.add_typer(docs, name="docs")
