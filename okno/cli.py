"""`okno`: run the embedded default, migrate, run workers and the scheduler, check the configuration."""

from __future__ import annotations

import atexit

import typer

from okno.commands import demo, dev, ops, same_day, secrets, sync, telephony, tenants
from okno.exiting import skip_exit_collections

# Every command imports the whole app; Python's exit would then collect that heap (okno/exiting.py).
atexit.register(skip_exit_collections)

app = typer.Typer(help="Okno: order-confirmation contact service.", no_args_is_help=True)
ops.register(app)
dev.register(app)
tenants.register(app)
demo.register(app)
sync.register(app)
same_day.register(app)
secrets.register(app)
telephony.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
