"""The life of one survey call, from the operator's call ending to the facts reported back."""

from __future__ import annotations

from enum import StrEnum


class SurveyCallStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for `due_at` (the delay, or the calling window to open)
    QUEUED = "queued"  # due; a placement message is on its way to a worker
    DIALING = "dialing"  # a worker is asking Twilio to place the call
    CALLING = "calling"  # Twilio accepted the call; ringing or in progress
    # Final: these are the contract's `SurveyStatus` values.
    COMPLETED = "completed"
    PARTIAL = "partial"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    VOICEMAIL = "voicemail"
    SKIPPED = "skipped"

    @property
    def is_final(self) -> bool:
        return self not in _OPEN


_OPEN = frozenset(
    {SurveyCallStatus.SCHEDULED, SurveyCallStatus.QUEUED, SurveyCallStatus.DIALING, SurveyCallStatus.CALLING}
)


class SkipReason(StrEnum):
    NO_CONVERSATION = "no_conversation"
    WRONG_NUMBER = "wrong_number"
    OPTED_OUT = "opted_out"
    RECENTLY_SURVEYED = "recently_surveyed"
    OUTSIDE_CALLING_HOURS = "outside_calling_hours"
    DISABLED = "disabled"


# Twilio's terminal CallStatus values -> what the survey became when nobody (or a machine) answered.
TWILIO_UNANSWERED = {
    "no-answer": SurveyCallStatus.NO_ANSWER,
    "busy": SurveyCallStatus.BUSY,
    "failed": SurveyCallStatus.FAILED,
    "canceled": SurveyCallStatus.FAILED,
}
TWILIO_FINAL_CALL_STATUSES = frozenset({"completed", *TWILIO_UNANSWERED})


def answered_by_machine(answered_by: str | None) -> bool:
    """Twilio AMD: `human`, `unknown`, `fax`, `machine_start`, `machine_end_beep`, ... (unknown = a person)."""
    return bool(answered_by) and (answered_by == "fax" or str(answered_by).startswith("machine"))


def outcome_of_answered_call(csat: int | None, nps: int | None, answered_by: str | None) -> SurveyCallStatus:
    """What an answered call amounted to: both ratings = completed; anything less from a person = partial."""
    if answered_by_machine(answered_by):
        return SurveyCallStatus.VOICEMAIL
    if csat is not None and nps is not None:
        return SurveyCallStatus.COMPLETED
    return SurveyCallStatus.PARTIAL
