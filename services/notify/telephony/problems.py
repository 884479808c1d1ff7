"""Problem codes of notify's internal telephony endpoints (`contracts.http.telephony.ProblemCode`).

order_confirm tells these apart to say the right thing in the console: telephony not set up, Twilio down
(record the disposition by hand), the operator already on a call, a call that is over.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from contracts.http.telephony import ProblemCode
from services.common.problems import Conflict, DomainError, NotFound, Unprocessable
from services.notify.telephony.base import CallRejected, TelephonyUnavailable

# Twilio outages are usually short; the console may offer "try again" after this many seconds.
RETRY_AFTER_SECONDS = 30


class TelephonyUnavailableProblem(DomainError):
    status, code, title = 503, ProblemCode.TELEPHONY_UNAVAILABLE.value, "The telephony provider did not answer"


class TelephonyDisabled(Conflict):
    code, title = ProblemCode.TELEPHONY_DISABLED.value, "Telephony is off for this tenant (or it has no number)"


class NumberRejected(Unprocessable):
    code, title = ProblemCode.NUMBER_REJECTED.value, "The telephony provider refused the number"


class LineBusy(Conflict):
    code, title = ProblemCode.LINE_BUSY.value, "The operator's line already has another call"


class CallNotFound(NotFound):
    code, title = ProblemCode.CALL_NOT_FOUND.value, "No such call"


class RecordingNotFound(NotFound):
    code, title = ProblemCode.RECORDING_NOT_FOUND.value, "No such recording"


class RangeNotSatisfiableProblem(DomainError):
    """416; the route adds `Content-Range: bytes */<size>` (the recording's size)."""

    status, code, title = 416, ProblemCode.RANGE_NOT_SATISFIABLE.value, "The range is outside the recording"


class CallEnded(Conflict):
    code, title = ProblemCode.CALL_ENDED.value, "The call is over"


class CallNotAnswered(Conflict):
    code, title = ProblemCode.CALL_NOT_ANSWERED.value, "The customer has not answered yet: there is nothing to hold"


@contextmanager
def provider_problems() -> Iterator[None]:
    """The provider's failures as the problems the console branches on (503 + Retry-After, or 422)."""
    try:
        yield
    except TelephonyUnavailable as error:
        raise TelephonyUnavailableProblem(
            "The telephony provider could not be reached; try again, or record the disposition by hand.",
            retry_after=RETRY_AFTER_SECONDS,
        ) from error
    except CallRejected as error:
        # Twilio's message quotes the number: only its code goes back.
        raise NumberRejected("The provider refused the number for good.", provider_code=error.code) from error
