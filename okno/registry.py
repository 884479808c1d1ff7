"""The three services as the composition root sees them: settings, runtime, app and periodic jobs of each.

`okno serve/worker/scheduler/migrate/check`, the production app factories, the OpenAPI copies and the
README's configuration table all read this one list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from services.common.runtime import Runtime
from services.common.scheduler import PeriodicJob
from services.common.settings import ServiceSettings
from services.integrations import app as integrations_app
from services.integrations import schedule as integrations_schedule
from services.integrations import wiring as integrations_wiring
from services.integrations.settings import IntegrationsSettings
from services.notify import app as notify_app
from services.notify import schedule as notify_schedule
from services.notify import wiring as notify_wiring
from services.notify.settings import NotifySettings
from services.order_confirm import app as order_confirm_app
from services.order_confirm import schedule as order_confirm_schedule
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.settings import OrderConfirmSettings


@dataclass(frozen=True)
class Service:
    name: str
    settings: type[ServiceSettings]
    build: Callable[..., Runtime[Any]]
    create_app: Callable[[Any], FastAPI]
    periodic_jobs: Callable[[Any], list[PeriodicJob]]

    def runtime(self, **settings: Any) -> Runtime[Any]:
        """The service's runtime from the environment, with `settings` overriding it."""
        return self.build(self.settings(**settings)) if settings else self.build()

    def app(self, **settings: Any) -> FastAPI:
        return self.create_app(self.runtime(**settings))


SERVICES: dict[str, Service] = {
    "order_confirm": Service(
        "order_confirm",
        OrderConfirmSettings,
        order_confirm_wiring.build,
        order_confirm_app.create_app,
        order_confirm_schedule.periodic_jobs,
    ),
    "integrations": Service(
        "integrations",
        IntegrationsSettings,
        integrations_wiring.build,
        integrations_app.create_app,
        integrations_schedule.periodic_jobs,
    ),
    "notify": Service(
        "notify", NotifySettings, notify_wiring.build, notify_app.create_app, notify_schedule.periodic_jobs
    ),
}
