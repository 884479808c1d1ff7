"""notify's routes: each capability package brings its own routers; this module only includes them."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    from services.notify.api import sandbox_tickets, simulator
    from services.notify.sms import api as sms
    from services.notify.surveys.api import rules as survey_rules
    from services.notify.surveys.api import voice as survey_voice

    app.include_router(survey_voice.router)
    app.include_router(survey_rules.router)
    app.include_router(simulator.router)
    app.include_router(sms.router)
    app.include_router(sandbox_tickets.router)
