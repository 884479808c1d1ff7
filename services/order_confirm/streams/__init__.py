"""Live console streams that wake on change (issue 13): every commit that changes what a stream shows
publishes a small wake-up (watch.py) on the runtime's wake-up channel (Redis pub/sub, or in-process in the
embedded mode); one subscriber per API process fans it out to the open streams it concerns (hub.py); a woken
stream reads on the async engine (look.py) and sends the difference (stream.py, api/events.py).
"""

from __future__ import annotations

from sqlalchemy import Engine

from services.common.settings import ServiceSettings
from services.common.wakeups import WakeupChannel, make_wakeup_channel
from services.order_confirm.streams import watch


def channel_name(settings: ServiceSettings) -> str:
    return f"{settings.broker_namespace}:order_confirm:streams"


def wire(engine: Engine, settings: ServiceSettings) -> WakeupChannel:
    """Bind this database's wake-up channel (the runtime does as it is built; an equivalent one is kept)."""
    return watch.bind(engine, make_wakeup_channel(settings.redis_url, channel_name(settings)))
