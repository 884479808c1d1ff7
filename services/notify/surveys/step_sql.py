"""A survey step on PostgreSQL: asyncpg prepared statements on the pooled connection's driver
(db_async.pooled_driver), no ORM and no SQLAlchemy per statement (issue 13: the step's budget is 0.7 ms
of CPU, and SQLAlchemy's work per statement cost more than asyncpg's round trip).

Optimistic first: the survey is read without a lock or a transaction, and the store is one statement that
locks the row, checks that nothing a step may change has changed since that read (compare and set), inserts
the step with `ON CONFLICT DO NOTHING`, updates the survey only if that insert happened and, on the step
that closes the survey, inserts the `SurveyAnswered` outbox row only if the update happened. Two round trips,
no BEGIN or COMMIT. A step whose read another webhook of the call changed meanwhile writes nothing and is
told `STALE`; it is then applied again under the row lock in a transaction, as SQLite does, which always
settles. A retry of a step already stored (`(CallSid, step)` taken) gets the stored reply back.
"""

from __future__ import annotations

from typing import Any

from contracts.routing import MessageType
from services.common.messaging.batch_relay import Held
from services.common.messaging.outbox import Outbox, new_envelope
from services.notify.models.messaging import OutboxMessage
from services.notify.surveys.models import SurveyCall, SurveyStep
from services.notify.surveys.reports import answered_message, log_finished
from services.notify.surveys.step_store import CHANGED, READ, STALE, StaleRead, StepRow, SurveyState

_CALLS: str = SurveyCall.__tablename__
_STEPS: str = SurveyStep.__tablename__
_OUTBOX: str = OutboxMessage.__tablename__

# asyncpg's parameter style: $1 survey id, $2 CallSid, $3 step key.
_READ = f"""
SELECT {", ".join(f"c.{name}" for name in READ)},
       (SELECT s.response FROM {_STEPS} s WHERE s.call_sid = $2 AND s.step = $3) AS seen
FROM {_CALLS} c WHERE c.id = $1"""
_LOCKED = f"{_READ}\nFOR UPDATE OF c"

# $1-$6 the step's row (survey id first), $7... the survey's new values in `CHANGED`'s order; the optimistic
# store then the values read, and the outbox row's parameters follow either.
_NEW = 7
_OLD = _NEW + len(CHANGED)
_SET = ", ".join(f"{name} = ${_NEW + n}" for n, name in enumerate(CHANGED))
_UNCHANGED = " AND ".join(f"{name} IS NOT DISTINCT FROM ${_OLD + n}" for n, name in enumerate(CHANGED))
_STEP_COLUMNS = "survey_call_id, call_sid, step, digits, response, received_at"
_CHANGED = f"changed AS (UPDATE {_CALLS} SET {_SET} WHERE id = $1 AND EXISTS (SELECT FROM stored) RETURNING id)"
_OPTIMISTIC = f"""
WITH current AS (SELECT id FROM {_CALLS} WHERE id = $1 AND {_UNCHANGED} FOR UPDATE
), stored AS (
    INSERT INTO {_STEPS} ({_STEP_COLUMNS})
    SELECT $1, $2::varchar, $3::varchar, $4::varchar, $5::text, $6::timestamptz FROM current
    ON CONFLICT (call_sid, step) DO NOTHING
    RETURNING id
), {_CHANGED}"""
_UNDER_LOCK = f"""
WITH stored AS (
    INSERT INTO {_STEPS} ({_STEP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (call_sid, step) DO NOTHING
    RETURNING id
), {_CHANGED}"""


def _reported(first: int) -> str:
    return f""", reported AS (
    INSERT INTO {_OUTBOX} (message_id, message_type, tenant, envelope, created_at, publish_attempts, republish_count)
    SELECT ${first}::varchar, ${first + 1}::varchar, ${first + 2}::varchar, ${first + 3}::jsonb,
           ${first + 4}::timestamptz, 0, 0
    FROM changed
    RETURNING id
)"""


_RESULT = "SELECT {current} AS current, (SELECT id FROM changed) AS changed, {reported} AS reported"
_STATEMENTS = {
    (True, False): _OPTIMISTIC + _RESULT.format(current="EXISTS (SELECT FROM current)", reported="NULL::int"),
    (True, True): _OPTIMISTIC
    + _reported(_OLD + len(CHANGED))
    + _RESULT.format(current="EXISTS (SELECT FROM current)", reported="(SELECT id FROM reported)"),
    (False, False): _UNDER_LOCK + _RESULT.format(current="true", reported="NULL::int"),
    (False, True): _UNDER_LOCK + _reported(_OLD) + _RESULT.format(current="true", reported="(SELECT id FROM reported)"),
}
_STORED_REPLY = f"SELECT response FROM {_STEPS} WHERE call_sid = $1 AND step = $2"


class DriverSteps:
    """The step's statements on an asyncpg connection; `held` is the report written, for the batch relay once
    it has committed. Optimistic until a store finds its read changed; from then on under the row lock, in a
    transaction that `end` commits or rolls back."""

    def __init__(self, driver: Any, outbox: Outbox) -> None:
        self.driver = driver
        self.outbox = outbox
        self.held: Held | None = None
        self._contended = False
        self._transaction: Any = None
        self._as_read: list[Any] = []

    async def locked(self, survey_id: int, call_sid: str, step_key: str) -> tuple[SurveyState, str | None] | None:
        if self._contended and self._transaction is None:
            self._transaction = self.driver.transaction()
            await self._transaction.start()
        statement = _LOCKED if self._contended else _READ
        row = await self.driver.fetchrow(statement, survey_id, call_sid, step_key)
        if row is None:
            return None
        survey = SurveyState(*row[: len(READ)])
        self._as_read = [getattr(survey, name) for name in CHANGED]  # the step changes `survey` in place
        return survey, row["seen"]

    async def store(self, survey: SurveyState, step: StepRow, *, closed: bool) -> str | StaleRead | None:
        optimistic = not self._contended
        params = [step.survey_call_id, step.call_sid, step.step, step.digits, step.response, step.received_at]
        params += [getattr(survey, name) for name in CHANGED]
        if optimistic:
            params += self._as_read
        report = self._report(survey) if closed else None
        if report is not None:
            params += report[1:]
        row = await self.driver.fetchrow(_STATEMENTS[optimistic, closed], *params)
        if not row["current"]:
            self._contended = True  # another webhook of this call changed the survey since the read
            return STALE
        if row["changed"] is None:  # this (CallSid, step) was stored meanwhile: its reply, nothing written
            return str(await self.driver.fetchval(_STORED_REPLY, step.call_sid, step.step))
        if report is not None:
            self.held = Held(int(row["reported"]), report[2], report[0])
            log_finished(survey)
        return None

    async def end(self, *, commit: bool) -> None:
        """Commit (or roll back) the transaction a contended step took, if it took one."""
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            await (transaction.commit() if commit else transaction.rollback())

    def _report(self, survey: SurveyState) -> tuple[str, str, str, str, str, Any]:
        """(envelope JSON as published, then the outbox row's parameters: message id, type, tenant, envelope,
        created at)."""
        now = self.outbox.clock()
        message_type = MessageType.SURVEY_ANSWERED.value
        envelope = new_envelope(message_type, survey.tenant, answered_message(survey), now=now)
        # Stored as published (stamped with this outbox's queue), so the relay sends these very bytes.
        published = self.outbox.serialize(envelope.model_dump(mode="json"))
        return published, str(envelope.message_id), message_type, survey.tenant, published, now
