"""Rows nothing reads back before commit (timeline events, audit entries), added to the session at commit.

A batch of snapshots (group_commit.py) is one transaction, and each message's first query flushes what the
previous one left pending: its timeline events and audit entries would go out as one INSERT per message.
Held back until commit, they go out as one multi-row INSERT per table for the whole batch.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, SQLModel

_HELD = "okno_insert_at_commit"


def insert_at_commit(session: Session, row: SQLModel) -> None:
    """Add `row` when the transaction commits; inside a savepoint, at once (a savepoint's rollback must take
    it back, and the rows held here belong to the whole transaction)."""
    if session.get_nested_transaction() is not None:
        session.add(row)
        return
    if session.get_transaction() is None:
        session.begin()  # so that a rollback before any statement still ends a transaction and forgets the rows
    if not event.contains(OrmSession, "before_commit", _add_held):
        event.listen(OrmSession, "before_commit", _add_held)
        event.listen(OrmSession, "after_transaction_end", _forget_held)
    held: list[SQLModel] = session.info.setdefault(_HELD, [])
    held.append(row)


def _add_held(session: OrmSession) -> None:
    held = session.info.pop(_HELD, None)
    if held:
        session.add_all(held)  # flushed by the commit, after every other before_commit hook


def _forget_held(session: OrmSession, transaction: SessionTransaction, *_: Any) -> None:
    if transaction.parent is None:  # the transaction ended without commit (a commit took them already)
        session.info.pop(_HELD, None)
