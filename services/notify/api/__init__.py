"""notify's routes: each capability package brings its own routers; this module only includes them."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    from services.notify.api import sandbox_tickets, sandbox_twilio_rest, simulator, simulator_phone, softphone
    from services.notify.recordings import api as recordings
    from services.notify.sms import api as sms
    from services.notify.surveys.api import rules as survey_rules
    from services.notify.surveys.api import voice as survey_voice
    from services.notify.telephony.api import calls as telephony_calls
    from services.notify.telephony.api import dial_ended, inbound_voice, outbound_voice, status, tokens

    app.include_router(survey_voice.router)
    app.include_router(survey_rules.router)
    app.include_router(simulator.router)
    app.include_router(sms.router)
    app.include_router(sandbox_tickets.router)
    app.include_router(tokens.router)
    app.include_router(telephony_calls.router)
    app.include_router(outbound_voice.router)
    app.include_router(inbound_voice.router)
    app.include_router(dial_ended.router)
    app.include_router(status.router)
    app.include_router(softphone.router)
    app.include_router(simulator_phone.router)
    app.include_router(recordings.webhooks)
    app.include_router(recordings.internal)
    app.include_router(sandbox_twilio_rest.router)
