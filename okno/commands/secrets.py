"""`okno secrets new-key | rotate-key`: the Fernet keys that seal stored credentials (services/common/encryption).

Rotation without downtime: `okno secrets new-key`, put it first in OKNO_SECRET_KEYS everywhere (old keys
after it) and restart, `okno secrets rotate-key` (every sealed value re-sealed with the new key), then drop
the old keys. `okno run`'s key file rotates in one step: `okno secrets rotate-key --new-key` (stop `okno run`
first: it holds the old key in memory).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from services.common.db import make_engine
from services.common.encryption import (
    Keyring,
    keyring_from_settings,
    missing_message,
    new_key,
    reseal_all,
    sealed_columns,
    write_key_file,
)
from services.common.secret_keys import KEYS_VARIABLE
from services.common.settings import ServiceSettings

secrets_app = typer.Typer(help="Keys that encrypt stored credentials: make one, rotate to it.", no_args_is_help=True)
console = Console()


def _tables_by_service() -> dict[str, Any]:
    from services.integrations.models import metadata as integrations
    from services.notify.models import metadata as notify
    from services.order_confirm.models import metadata as order_confirm

    everything = {"order_confirm": order_confirm, "integrations": integrations, "notify": notify}
    return {
        name: metadata.tables.values()
        for name, metadata in everything.items()
        if sealed_columns(metadata.tables.values())
    }


@secrets_app.command("new-key")
def make_key() -> None:
    """Print a new random key (for OKNO_SECRET_KEYS)."""
    typer.echo(new_key())


@secrets_app.command("rotate-key")
def rotate_key(
    new: Annotated[
        bool, typer.Option("--new-key", help="Key file only: add a new key, re-seal with it, retire the old ones")
    ] = False,
) -> None:
    """Re-seal every stored credential with the primary (first) key, in every service that keeps some."""
    from okno.registry import SERVICES

    retire: tuple[Path, Keyring] | None = None
    for service, tables in _tables_by_service().items():
        settings: ServiceSettings = SERVICES[service].settings()
        keyring = keyring_from_settings(settings)
        if keyring is None:
            console.print(f"[red]{missing_message(service)}[/]")
            raise typer.Exit(1)
        if new:
            keyring, retire = _with_new_key(settings, keyring, retire)
        engine = make_engine(settings.database_url)
        try:
            count = reseal_all(engine, tables, keyring)
        finally:
            engine.dispose()
        console.print(f"{service}: {count} stored secrets re-sealed with the primary key ({keyring.source})")
    if retire is not None:
        path, keyring = retire
        write_key_file(path, keyring.keys[:1])
        console.print(f"{path}: old keys retired; only the new key is left")
    elif not new:
        console.print(f"Every service reads the new key now: the old ones may leave {KEYS_VARIABLE}.")


def _with_new_key(
    settings: ServiceSettings, keyring: Keyring, retire: tuple[Path, Keyring] | None
) -> tuple[Keyring, tuple[Path, Keyring]]:
    """The key file with a new key in front (made once, shared by every service reading that file)."""
    if keyring.source == KEYS_VARIABLE:
        console.print(f"[red]--new-key rotates a key file; with {KEYS_VARIABLE}, put the new key first there[/]")
        raise typer.Exit(2)
    path = Path(settings.secret_key_file)
    if retire is not None and retire[0] == path:
        return retire[1], retire
    rotated = Keyring((new_key(), *keyring.keys), str(path))
    write_key_file(path, rotated.keys)  # written first: a crash midway leaves every value readable
    return rotated, (path, rotated)


def register(app: typer.Typer) -> None:
    app.add_typer(secrets_app, name="secrets")
