"""Named leases in the database: two scheduler replicas never run the same job (a tenant's pull) at once.

A lease is held until `expires_at`; its holder renews it while working, and anyone may take it over once
it has expired (the holder died). Works the same on PostgreSQL and SQLite: one conditional UPDATE decides.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, delete, or_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from services.common.db import transaction
from services.integrations.models.deliveries import SchedulerLease

# Unique per process: a restarted replica is a new holder and waits for its predecessor's lease to expire.
PROCESS_HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def acquire(engine: Engine, name: str, *, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease; False while someone else holds it."""
    with transaction(engine) as session:
        result = session.execute(
            update(SchedulerLease)
            .where(
                col(SchedulerLease.name) == name,
                or_(col(SchedulerLease.expires_at) < now, col(SchedulerLease.holder) == holder),
            )
            .values(holder=holder, expires_at=now + ttl)
        )
        if cast(CursorResult[Any], result).rowcount:
            return True
        if session.get(SchedulerLease, name) is not None:
            return False
    try:
        with transaction(engine) as session:
            session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:  # another replica created it first
        return False
    return True


def release(engine: Engine, name: str, *, holder: str) -> None:
    with transaction(engine) as session:
        session.execute(
            delete(SchedulerLease).where(col(SchedulerLease.name) == name, col(SchedulerLease.holder) == holder)
        )
