"""The survey step's statements straight through asyncpg: what the database and the driver alone cost.

Per step, as services/notify/surveys/step_sql.py sends them: BEGIN; the locked survey row with the stored
reply; the step inserted (ON CONFLICT DO NOTHING) and the survey updated in one statement; on the last step
the report's outbox row (a statement of its own here, inside the store statement there); COMMIT. One task
per call, `calls` at once, each with its own connection.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import asyncpg

LOCKED = (
    "SELECT c.*, (SELECT response FROM survey_steps WHERE call_sid = $2 AND step = $3) AS seen"
    " FROM survey_calls c WHERE c.id = $1 FOR UPDATE OF c"
)
STORE = (
    "WITH stored AS (INSERT INTO survey_steps (survey_call_id, call_sid, step, digits, response, received_at)"
    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (call_sid, step) DO NOTHING RETURNING id)"
    " UPDATE survey_calls SET call_status = $7, answered_by = $8, csat = $9, nps = $10, status = $11,"
    " finished_at = $12, reported_at = $12, updated_at = $6 WHERE id = $1 AND EXISTS (SELECT id FROM stored)"
    " RETURNING id"
)
REPORT = (
    "INSERT INTO notify_outbox (message_id, message_type, tenant, envelope, created_at, publish_attempts)"
    " VALUES ($1, 'survey.answered', 'bench', $2::jsonb, $3, 0)"
)
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="x"><Say>...</Say></Gather></Response>'
STEP_KEYS = ("start", "csat:1", "nps:1", "callback:1", "status:completed")


async def _one_call(connection: asyncpg.Connection, survey_id: int, sid: str, latencies: list[float]) -> None:
    for n, key in enumerate(STEP_KEYS):
        last = n == len(STEP_KEYS) - 1
        started = time.perf_counter()
        now = datetime.now(UTC)
        async with connection.transaction():
            row = await connection.fetchrow(LOCKED, survey_id, sid, key)
            assert row is not None and row["seen"] is None
            finished = now if last else None
            status = "completed" if last else "calling"
            await connection.fetchrow(
                STORE, survey_id, sid, key, "4", TWIML, now, "in-progress", "human", 4, 9, status, finished
            )
            if last:
                envelope = json.dumps({"payload": {"attempt_id": row["attempt_id"], "csat": 4, "nps": 9}})
                await connection.execute(REPORT, str(uuid.uuid4()), envelope, now)
        latencies.append(time.perf_counter() - started)


async def raw_steps(url: str, surveys: list[tuple[int, str]], calls: int) -> tuple[float, float, list[float]]:
    """Steps per second, client CPU seconds per step, and each step's latency."""
    connections = [await asyncpg.connect(url.replace("postgresql+psycopg", "postgresql")) for _ in range(calls)]
    latencies: list[float] = []
    try:
        cpu, started = time.process_time(), time.perf_counter()
        for at in range(0, len(surveys), calls):
            batch = surveys[at : at + calls]
            await asyncio.gather(
                *(_one_call(c, s, sid, latencies) for c, (s, sid) in zip(connections, batch, strict=False))
            )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        for connection in connections:
            await connection.close()
    steps = len(latencies)
    return steps / elapsed, cpu / steps, latencies
