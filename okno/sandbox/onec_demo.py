"""`okno run`'s local 1C: a small "Управление торговлей 11" infobase the demo tenant is connected to.

The scheduler thread pulls it like a real ERP; confirmations in the console are pushed back to it. Its
seed is fixed, so after a restart the same documents come back and the durable cursor skips them.
"""

from __future__ import annotations

import secrets
from contextlib import ExitStack

from rich.console import Console

from contracts.http.erp_sync import ErpConnectionIn
from okno.embedded import Okno
from okno.sandbox.onec import OneCStore, serve
from okno.sandbox.onec_trade import trade_infobase
from services.common.db import transaction
from services.integrations.sandboxes import ERP_SANDBOX
from services.integrations.service.erp_config import set_erp_connection

DEMO_ORDERS = 30
_running = ExitStack()  # lives as long as the `okno run` process


def start_demo_onec(okno: Okno, tenant: str, *, orders: int = DEMO_ORDERS) -> OneCStore:
    okno.integrations.capabilities.require(ERP_SANDBOX)  # only where sandboxes were asked for (`okno run`)
    store = trade_infobase(orders, partners=12, products=15)
    store.password = secrets.token_urlsafe(16)  # this run's own: the local 1C answers nobody else on the machine
    url = _running.enter_context(serve(store))
    body = ErpConnectionIn.model_validate(
        {"base_url": url, "username": store.username, "password": store.password, "pull_interval_seconds": 30}
    )
    with transaction(okno.integrations.engine) as session:
        set_erp_connection(session, tenant, body, now=okno.integrations.clock())
    Console().print(
        f"[bold]Local 1C[/] ({orders} orders waiting for confirmation) at {url} — "
        f"user {store.username} / {store.password} (this run's); "
        f"pulled into {tenant} every 30 s (or now: okno sync pull --tenant {tenant})"
    )
    return store
