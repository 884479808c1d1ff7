"""The runtime type of notify (engine, broker, outbox, clock, settings) that every layer takes.

Built and wired (consumers bound) by `services.notify.wiring.build`: this module imports nothing of the
service beyond its settings, so tasks and service code can take the type without an import circle.
"""

from __future__ import annotations

from services.common.runtime import Runtime
from services.notify.settings import NotifySettings

NotifyRuntime = Runtime[NotifySettings]
