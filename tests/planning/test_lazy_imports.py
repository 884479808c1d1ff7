"""`okno run` must not pay for the planning libraries until a plan is computed (start-up time and memory)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("statsmodels", "pyworkforce", "ortools", "pandas", "scipy")

SCRIPT = f"""
import sys
from dramatiq.brokers.stub import StubBroker
from services.order_confirm import app, schedule, wiring
from services.order_confirm.settings import OrderConfirmSettings
built = wiring.build(OrderConfirmSettings(database_url="sqlite://"), broker=StubBroker())
app.create_app(built)
schedule.periodic_jobs(built)
print("loaded:" + ",".join(name for name in {HEAVY!r} if name in sys.modules))
"""


def test_the_app_and_its_scheduler_start_without_the_planning_libraries() -> None:
    output = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
    loaded = output.strip().splitlines()[-1] if output.strip() else ""
    assert loaded == "loaded:"
    # and they are there once asked for (the dependency is installed, only deferred)
    probe = "import statsmodels.tsa.holtwinters, pyworkforce.queuing, pyworkforce.scheduling"
    subprocess.run([sys.executable, "-c", probe], check=True)
