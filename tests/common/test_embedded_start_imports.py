"""`okno run` does not load what the embedded mode never uses (issue 13: its RSS after 100 000 orders).

Redis's client (~6 MB), asyncpg (~3 MB) and Twilio's REST package with requests (~5 MB) stayed in memory for
the process's whole life although the embedded mode runs on SQLite with an in-process broker and builds a
Twilio REST client only once a call is made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Subprocesses, restarts or long waits: scheduled first (tests/conftest.py).
pytestmark = pytest.mark.slow

NOT_AT_START = ("redis", "dramatiq.brokers.redis", "asyncpg", "psycopg", "twilio.rest", "requests")

SCRIPT = f"""
import sys
from pathlib import Path
from fastapi.testclient import TestClient
from okno.embedded import build_okno, create_embedded_app
from okno.startup import on_embedded_startup
from services.common.encryption import ensure_key_file
from services.common.settings import ServiceSettings

ensure_key_file(Path(ServiceSettings().secret_key_file))
okno = build_okno(sandbox=True, base_url="http://127.0.0.1:8000")
app = create_embedded_app(okno, on_startup=on_embedded_startup(demo=True, base_url="http://127.0.0.1:8000"))
with TestClient(app) as client:
    assert client.get("/readyz").status_code == 200
    print("loaded:" + ",".join(name for name in {NOT_AT_START!r} if name in sys.modules))
"""


def test_okno_run_starts_without_redis_asyncpg_or_the_twilio_rest_sdk(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("OKNO_")}
    env["OKNO_LOG_LEVEL"] = "WARNING"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # The demo's worker threads may log (e.g. the first 1C pull) after the report line: find it by its prefix.
    [report] = [line for line in done.stdout.splitlines() if line.startswith("loaded:")]
    assert report == "loaded:"


def test_the_deferred_modules_load_where_they_are_used() -> None:
    probe = (
        "import sys\n"
        "from services.common.messaging.broker import is_redis_broker, make_broker\n"
        "from services.notify.telephony.twilio.rest import rest_client\n"
        "broker = make_broker('redis://127.0.0.1:6379/15')\n"
        "assert is_redis_broker(broker) and 'redis' in sys.modules\n"
        "rest_client('AC0', 'token', None)\n"
        "assert 'twilio.rest' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)
