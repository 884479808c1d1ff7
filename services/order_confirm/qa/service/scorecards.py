"""A tenant's scorecards: created, changed (each change a new version), made the default, archived.

Evaluations keep the version they were scored on, so a change never moves a submitted score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from services.common.problems import NotFound, PreconditionFailed, Unprocessable
from services.order_confirm.models import Operator, Tenant
from services.order_confirm.qa.domain.scorecard import Scorecard, check_scorecard, scorecard_from_document
from services.order_confirm.qa.domain.starter import starter_scorecard
from services.order_confirm.qa.models import QaScorecard, QaScorecardVersion
from services.order_confirm.qa.service.access import row_of
from services.order_confirm.service import audit


class NoScorecard(Unprocessable):
    code, title = "no_scorecard", "The tenant has no scorecard to evaluate with"


class ScorecardArchived(Unprocessable):
    code, title = "scorecard_archived", "The scorecard is archived"


class StaleScorecard(PreconditionFailed):
    code, title = "stale_scorecard_version", "The scorecard changed since you read it"


@dataclass(frozen=True)
class ScorecardState:
    row: QaScorecard
    current: QaScorecardVersion
    versions: tuple[int, ...]

    @property
    def scorecard(self) -> Scorecard:
        return scorecard_from_document(self.current.document)


def list_scorecards(session: Session, tenant: Tenant, *, archived: bool = False) -> list[ScorecardState]:
    query = select(QaScorecard).where(QaScorecard.tenant_id == tenant.id)
    if not archived:
        query = query.where(col(QaScorecard.archived).is_(False))
    rows = session.exec(query.order_by(col(QaScorecard.id))).all()
    return [_state(session, row) for row in rows]


def get_scorecard(session: Session, tenant: Tenant, scorecard_id: int, *, for_update: bool = False) -> ScorecardState:
    assert tenant.id is not None
    return _state(session, row_of(session, QaScorecard, scorecard_id, tenant.id, for_update=for_update))


def at_version(session: Session, state: ScorecardState, number: int) -> ScorecardState:
    """The scorecard as it was at version `number` (NotFound if it never had one)."""
    if number not in state.versions:
        raise NotFound(f"Scorecard {state.row.id} has no version {number}.")
    row = session.exec(
        select(QaScorecardVersion).where(
            QaScorecardVersion.scorecard_id == state.row.id, QaScorecardVersion.version == number
        )
    ).one()
    return ScorecardState(state.row, row, state.versions)


def version_row(session: Session, tenant_id: int, version_id: int) -> QaScorecardVersion:
    return row_of(session, QaScorecardVersion, version_id, tenant_id)


def scorecard_of_version(session: Session, tenant_id: int, version_id: int) -> Scorecard:
    return scorecard_from_document(version_row(session, tenant_id, version_id).document)


def version_to_use(session: Session, tenant: Tenant, scorecard_id: int | None) -> QaScorecardVersion:
    """The current version of the named scorecard, or of the tenant's default one."""
    if scorecard_id is not None:
        state = get_scorecard(session, tenant, scorecard_id)
        if state.row.archived:
            raise ScorecardArchived(f"Scorecard {scorecard_id} is archived; evaluate with a current one.")
        return state.current
    row = session.exec(
        select(QaScorecard).where(
            QaScorecard.tenant_id == tenant.id,
            col(QaScorecard.is_default).is_(True),
            col(QaScorecard.archived).is_(False),
        )
    ).first()
    if row is None:
        raise NoScorecard("No default scorecard: create one (POST …/qa/tenants/{tenant_id}/scorecards) first.")
    return _state(session, row).current


def create_scorecard(
    session: Session, actor: Operator | str, tenant: Tenant, scorecard: Scorecard, *, default: bool, now: datetime
) -> ScorecardState:
    check_scorecard(scorecard)
    assert tenant.id is not None
    first = session.exec(select(QaScorecard.id).where(QaScorecard.tenant_id == tenant.id)).first() is None
    actor_id = actor.id if isinstance(actor, Operator) else None
    row = QaScorecard(
        tenant_id=tenant.id,
        name=scorecard.name,
        is_default=default or first,
        created_by_id=actor_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    if row.is_default:
        _only_default(session, row)
    version = _add_version(session, row, scorecard, 1, actor_id, now)
    _audit(session, actor, row, "qa_scorecard.created", now, after={"version": 1, **scorecard.to_document()})
    return ScorecardState(row, version, (1,))


def change_scorecard(
    session: Session,
    actor: Operator,
    tenant: Tenant,
    scorecard_id: int,
    scorecard: Scorecard,
    *,
    based_on: int,
    now: datetime,
) -> ScorecardState:
    """A new version, if `based_on` is still the current one (else 412: someone changed it meanwhile)."""
    check_scorecard(scorecard)
    state = get_scorecard(session, tenant, scorecard_id, for_update=True)
    row = state.row
    if based_on != row.current_version:
        raise StaleScorecard(
            f"Scorecard {scorecard_id} is at version {row.current_version}, not {based_on}: reload it.",
            current_version=row.current_version,
        )
    if state.scorecard.to_document() == scorecard.to_document():
        return state  # a retried PUT makes no second version
    row.current_version += 1
    row.name, row.updated_at = scorecard.name, now
    session.add(row)
    version = _add_version(session, row, scorecard, row.current_version, actor.id, now)
    _audit(
        session,
        actor,
        row,
        "qa_scorecard.changed",
        now,
        before={"version": based_on},
        after={"version": row.current_version, **scorecard.to_document()},
    )
    return ScorecardState(row, version, (*state.versions, row.current_version))


def set_flags(
    session: Session,
    actor: Operator,
    tenant: Tenant,
    scorecard_id: int,
    *,
    default: bool | None,
    archived: bool | None,
    now: datetime,
) -> ScorecardState:
    state = get_scorecard(session, tenant, scorecard_id, for_update=True)
    row = state.row
    before = {"is_default": row.is_default, "archived": row.archived}
    if archived is not None:
        row.archived = archived
        if archived:
            row.is_default = False
    if default:
        if row.archived:
            raise ScorecardArchived(f"Scorecard {scorecard_id} is archived; it cannot be the default.")
        row.is_default = True
        _only_default(session, row)
    after = {"is_default": row.is_default, "archived": row.archived}
    if after != before:
        row.updated_at = now
        session.add(row)
        _audit(session, actor, row, "qa_scorecard.flags_changed", now, before=before, after=after)
    return state


def ensure_starter_scorecard(session: Session, tenant: Tenant, *, actor: str, now: datetime) -> ScorecardState | None:
    """The starter card (in the tenant's language) for a tenant that has no scorecard yet; else None."""
    if session.exec(select(QaScorecard.id).where(QaScorecard.tenant_id == tenant.id)).first() is not None:
        return None
    return create_scorecard(session, actor, tenant, starter_scorecard(tenant.language), default=True, now=now)


def _state(session: Session, row: QaScorecard) -> ScorecardState:
    versions = session.exec(
        select(QaScorecardVersion)
        .where(QaScorecardVersion.scorecard_id == row.id)
        .order_by(col(QaScorecardVersion.version))
    ).all()
    current = next(v for v in versions if v.version == row.current_version)
    return ScorecardState(row, current, tuple(v.version for v in versions))


def _add_version(
    session: Session, row: QaScorecard, scorecard: Scorecard, number: int, actor_id: int | None, now: datetime
) -> QaScorecardVersion:
    assert row.id is not None
    version = QaScorecardVersion(
        tenant_id=row.tenant_id,
        scorecard_id=row.id,
        version=number,
        document=scorecard.to_document(),
        created_by_id=actor_id,
        created_at=now,
    )
    session.add(version)
    session.flush()
    return version


def _only_default(session: Session, row: QaScorecard) -> None:
    others = session.exec(
        select(QaScorecard).where(
            QaScorecard.tenant_id == row.tenant_id, QaScorecard.id != row.id, col(QaScorecard.is_default).is_(True)
        )
    ).all()
    for other in others:
        other.is_default = False
        session.add(other)


def _audit(
    session: Session,
    actor: Operator | str,
    row: QaScorecard,
    action: str,
    now: datetime,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        now=now,
        actor=actor,
        action=action,
        entity="qa_scorecard",
        entity_id=row.id or 0,
        tenant_id=row.tenant_id,
        before=before,
        after=after,
    )
