"""What the current transaction has already read or locked, so that the messages of a batch (one transaction,
group_commit.py) do not each read the tenant again or queue for a lock the transaction already holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session


def memo(session: Session, key: str) -> dict[Any, Any]:
    """A dict that lives as long as the session's innermost transaction: a commit, a rollback or a savepoint
    (whose rollback would release what was locked inside it) starts an empty one."""
    transaction: SessionTransaction | None = session.get_nested_transaction() or session.get_transaction()
    found: tuple[SessionTransaction | None, dict[Any, Any]] | None = session.info.get(key)
    if found is None or found[0] is not transaction or transaction is None:
        found = session.info[key] = (transaction, {})
    return found[1]
