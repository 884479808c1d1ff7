"""One router per resource; each module is thin."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    """Routers are added here as resources are built."""
    from services.notify.api import simulator, survey_rules, survey_voice

    app.include_router(survey_voice.router)
    app.include_router(survey_rules.router)
    app.include_router(simulator.router)
    from services.notify.api import sms

    app.include_router(sms.router)
