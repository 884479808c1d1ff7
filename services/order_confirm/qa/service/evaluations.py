"""Evaluating a conversation: start (idempotent), save the draft (optimistic, by `revision`), submit (the
server scores it, audits it, opens coaching), and new versions for corrections and upheld disputes.

"Two evaluators saving at once never lose either evaluation": each evaluator has their own evaluation of
a call (one regular one per evaluator and call, found again by a retried start), and a save names the
revision it edits, so two tabs of one evaluator get 412 instead of overwriting each other. A submitted
version is final; a new version must name the version it replaces, and the unique (lineage, version)
lets only one of two concurrent corrections in.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from services.common.problems import Conflict, NotFound, PreconditionFailed
from services.order_confirm.models import Operator, Tenant
from services.order_confirm.qa.domain.scorecard import Scorecard
from services.order_confirm.qa.domain.scoring import InvalidAnswers, Score, score
from services.order_confirm.qa.models import QaAnswer, QaComment, QaEvaluation
from services.order_confirm.qa.service import coaching
from services.order_confirm.qa.service.access import conversation, row_of
from services.order_confirm.qa.service.scorecards import scorecard_of_version, version_to_use
from services.order_confirm.qa.service.tenant_settings import qa_settings
from services.order_confirm.service import audit

REGULAR, CALIBRATION = "regular", "calibration"
DRAFT, SUBMITTED = "draft", "submitted"
MAX_COMMENTS = 100


class EvaluationFinal(Conflict):
    code, title = "evaluation_submitted", "A submitted evaluation is final; correct it with a new version"


class StaleEvaluation(PreconditionFailed):
    code, title = "stale_evaluation", "The evaluation changed since you read it"


class NotCurrentVersion(Conflict):
    code, title = "evaluation_superseded", "A newer version of this evaluation exists"


@dataclass(frozen=True)
class CommentInput:
    text: str
    at_seconds: int | None = None
    criterion_key: str | None = None


@dataclass(frozen=True)
class EvaluationInput:
    answers: Mapping[str, str]
    comments: Sequence[CommentInput] = ()


def start(
    session: Session,
    evaluator: Operator,
    tenant: Tenant,
    attempt_id: int,
    *,
    scorecard_id: int | None,
    now: datetime,
    calibration: tuple[int, int] | None = None,  # (calibration id, scorecard version id)
) -> tuple[QaEvaluation, bool]:
    """The evaluator's evaluation of the call (created, or the one they already have); True if created."""
    assert tenant.id is not None and evaluator.id is not None
    attempt = conversation(session, tenant.id, attempt_id, for_update=True)  # one start at a time per call
    kind = CALIBRATION if calibration else REGULAR
    query = select(QaEvaluation).where(
        QaEvaluation.attempt_id == attempt_id,
        QaEvaluation.evaluator_id == evaluator.id,
        QaEvaluation.kind == kind,
        QaEvaluation.version == 1,
        QaEvaluation.calibration_id == (calibration[0] if calibration else None),
    )
    first = session.exec(query).first()
    if first is not None:
        return current_version(session, first), False
    version_id = calibration[1] if calibration else version_to_use(session, tenant, scorecard_id).id
    assert version_id is not None
    row = QaEvaluation(
        tenant_id=tenant.id,
        lineage=uuid.uuid4().hex,
        kind=kind,
        calibration_id=calibration[0] if calibration else None,
        attempt_id=attempt_id,
        operator_id=attempt.operator_id,
        evaluator_id=evaluator.id,
        scorecard_version_id=version_id,
        status=DRAFT,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row, True


def save_draft(
    session: Session,
    evaluator: Operator,
    tenant: Tenant,
    evaluation_id: int,
    draft: EvaluationInput,
    *,
    revision: int,
    now: datetime,
) -> QaEvaluation:
    """Replace the draft's answers and comments; partial answers are fine until submitting."""
    row = own_draft(session, evaluator, tenant, evaluation_id, revision=revision)
    scorecard = scorecard_of_version(session, row.tenant_id, row.scorecard_version_id)
    check_partial(scorecard, draft)
    _store(session, row, evaluator, draft, now)
    row.revision += 1
    row.updated_at = now
    session.add(row)
    return row


def submit(
    session: Session, evaluator: Operator, tenant: Tenant, evaluation_id: int, *, revision: int, now: datetime
) -> QaEvaluation:
    row = own_draft(session, evaluator, tenant, evaluation_id, revision=revision)
    scorecard = scorecard_of_version(session, row.tenant_id, row.scorecard_version_id)
    result = score(scorecard, answers_of(session, row))  # InvalidAnswers (422) lists what is missing
    _finalize(session, row, result, now)
    _audit_submitted(session, evaluator, row, "qa_evaluation.submitted", now)
    if row.kind == REGULAR:
        coaching.open_if_needed(session, tenant, row, scorecard, result, qa_settings(tenant), now=now)
    return row


def new_version(
    session: Session,
    actor: Operator,
    tenant: Tenant,
    replaced: QaEvaluation,
    answers: EvaluationInput,
    *,
    reason: str,
    now: datetime,
) -> QaEvaluation:
    """A submitted successor of `replaced` (locked by the caller), scored on the same scorecard version."""
    if replaced.status != SUBMITTED:
        raise Conflict("Only a submitted evaluation gets a new version; edit the draft instead.")
    if replaced.superseded_by_id is not None:
        raise NotCurrentVersion(f"Evaluation {replaced.id} was replaced by {replaced.superseded_by_id}.")
    scorecard = scorecard_of_version(session, replaced.tenant_id, replaced.scorecard_version_id)
    result = score(scorecard, answers.answers)
    row = QaEvaluation(
        **replaced.model_dump(include={"tenant_id", "lineage", "kind", "calibration_id", "attempt_id", "operator_id"}),
        version=replaced.version + 1,
        evaluator_id=actor.id or 0,
        scorecard_version_id=replaced.scorecard_version_id,
        status=DRAFT,
        reason=reason,
        supersedes_id=replaced.id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # another correction of the same version got in first
        raise NotCurrentVersion(f"Evaluation {replaced.id} was just replaced by someone else.") from None
    _store(session, row, actor, answers, now)
    _finalize(session, row, result, now)
    replaced.superseded_by_id = row.id
    session.add(replaced)
    _audit_submitted(session, actor, row, "qa_evaluation.new_version", now)
    if row.kind == REGULAR:
        coaching.follow_version(session, tenant, replaced, row, scorecard, result, qa_settings(tenant), now=now)
    return row


def own_draft(
    session: Session, evaluator: Operator, tenant: Tenant, evaluation_id: int, *, revision: int
) -> QaEvaluation:
    assert tenant.id is not None
    row = row_of(session, QaEvaluation, evaluation_id, tenant.id, for_update=True)
    if row.evaluator_id != evaluator.id:
        raise NotFound(f"No evaluation {evaluation_id}.")  # someone else's draft is theirs alone
    if row.status != DRAFT:
        raise EvaluationFinal(f"Evaluation {evaluation_id} is submitted; a change is a new version (corrections).")
    if row.revision != revision:
        raise StaleEvaluation(
            f"Evaluation {evaluation_id} is at revision {row.revision}, not {revision}: reload it.",
            current_revision=row.revision,
        )
    return row


def current_version(session: Session, row: QaEvaluation) -> QaEvaluation:
    latest = session.exec(
        select(QaEvaluation).where(QaEvaluation.lineage == row.lineage).order_by(col(QaEvaluation.version).desc())
    ).first()
    assert latest is not None
    return latest


def answers_of(session: Session, row: QaEvaluation) -> dict[str, str]:
    found = session.exec(select(QaAnswer).where(QaAnswer.evaluation_id == row.id))
    return {answer.criterion_key: answer.answer for answer in found}


def check_partial(scorecard: Scorecard, draft: EvaluationInput) -> None:
    errors = []
    for key, given in draft.answers.items():
        criterion = scorecard.criterion(key)
        if criterion is None:
            errors.append({"field": f"answers.{key}", "message": f"The scorecard has no criterion {key!r}."})
        elif given not in {answer.value for answer in criterion.answers}:
            allowed = ", ".join(answer.value for answer in criterion.answers)
            message = f"{given!r} is not an answer of this criterion; answer one of: {allowed}."
            errors.append({"field": f"answers.{key}", "message": message})
    for n, comment in enumerate(draft.comments):
        if comment.criterion_key is not None and scorecard.criterion(comment.criterion_key) is None:
            message = f"The scorecard has no criterion {comment.criterion_key!r}."
            errors.append({"field": f"comments.{n}.criterion_key", "message": message})
    if len(draft.comments) > MAX_COMMENTS:
        errors.append({"field": "comments", "message": f"At most {MAX_COMMENTS} comments."})
    if errors:
        raise InvalidAnswers(errors[0]["message"] if len(errors) == 1 else "See `errors`.", errors=errors)


def _store(session: Session, row: QaEvaluation, author: Operator, draft: EvaluationInput, now: datetime) -> None:
    assert row.id is not None and author.id is not None
    session.exec(delete(QaAnswer).where(col(QaAnswer.evaluation_id) == row.id))
    session.exec(delete(QaComment).where(col(QaComment.evaluation_id) == row.id))
    for key, answer in sorted(draft.answers.items()):
        session.add(QaAnswer(evaluation_id=row.id, criterion_key=key, answer=answer))
    for comment in draft.comments:
        session.add(
            QaComment(
                tenant_id=row.tenant_id,
                evaluation_id=row.id,
                criterion_key=comment.criterion_key,
                at_seconds=comment.at_seconds,
                text=comment.text,
                author_id=author.id,
                created_at=now,
            )
        )
    session.flush()


def _finalize(session: Session, row: QaEvaluation, result: Score, now: datetime) -> None:
    row.status = SUBMITTED
    row.score_hundredths = result.hundredths
    row.possible_points = result.possible
    row.critical_failures = list(result.critical_failures)
    row.failed = list(result.failed)
    row.submitted_at = row.updated_at = now
    session.add(row)
    session.flush()


def _audit_submitted(session: Session, actor: Operator, row: QaEvaluation, action: str, now: datetime) -> None:
    audit.record(
        session,
        now=now,
        actor=actor,
        action=action,
        entity="qa_evaluation",
        entity_id=row.id or 0,
        tenant_id=row.tenant_id,
        after={
            "attempt_id": row.attempt_id,
            "version": row.version,
            "scorecard_version_id": row.scorecard_version_id,
            "score_hundredths": row.score_hundredths,
            "critical_failures": row.critical_failures,
            "failed": row.failed,
            "answers": answers_of(session, row),
            "reason": row.reason,
        },
    )
