"""Sandbox calls: nothing is dialled; the call "rings" in the simulator page (or the sandbox softphone), which
plays Twilio's part against the very same signed webhooks (services/notify/simulator/).

Hold and hang-up are what Twilio's REST API would be asked (`Calls/{sid}` update): here they are queued per
leg in this process for whoever plays that leg in the sandbox (`take_commands`), which follows a redirect by
fetching its URL and a hang-up by ending the leg with its status callback, as Twilio does. Legs that the
sandbox exchange runs (the softphone and the simulator's phone, `sandbox/exchange.py`) are steered at once.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import dataclass

from sqlalchemy import Engine

from services.notify.telephony.base import OutboundCall
from services.notify.telephony.sandbox.exchanges import steer

SANDBOX_SID_PREFIX = "CAsandbox"
_KEPT_COMMANDS = 1000  # a leg nobody plays any more must not grow this for ever


@dataclass(frozen=True)
class LegCommand:
    call_sid: str
    action: str  # "redirect" | "hang_up"
    url: str | None = None


_commands: deque[LegCommand] = deque(maxlen=_KEPT_COMMANDS)
_lock = threading.Lock()


def take_commands(call_sid: str) -> list[LegCommand]:
    """The commands for one leg, oldest first; each is handed out once."""
    with _lock:
        mine = [command for command in _commands if command.call_sid == call_sid]
        for command in mine:
            _commands.remove(command)
    return mine


class SandboxCalls:
    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine  # whose sandbox exchange (telephony/sandbox/exchanges.py) runs the live legs

    def place_call(self, call: OutboundCall) -> str:
        return SANDBOX_SID_PREFIX + uuid.uuid4().hex[: 34 - len(SANDBOX_SID_PREFIX)]

    def redirect(self, call_sid: str, url: str) -> None:
        if self.engine is not None and steer(self.engine, call_sid, redirect_to=url):
            return
        with _lock:
            _commands.append(LegCommand(call_sid, "redirect", url))

    def hang_up(self, call_sid: str) -> None:
        if self.engine is not None and steer(self.engine, call_sid, redirect_to=None):
            return
        with _lock:
            _commands.append(LegCommand(call_sid, "hang_up"))
