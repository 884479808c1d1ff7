"""What a survey result means for the shop: a line for the timeline, and whether a supervisor must act."""

from __future__ import annotations

from contracts.calls import SurveyAnswered

# The shop's alarm thresholds (NPS detractors are 0-6 by the NPS definition; CSAT 1-2 is "bad").
NPS_DETRACTOR_MAX = 6
CSAT_BAD_MAX = 2

_UNANSWERED = {
    "no_answer": "did not answer",
    "busy": "line busy",
    "failed": "call failed",
    "voicemail": "voicemail, not surveyed",
}


def is_detractor(csat: int | None, nps: int | None) -> bool:
    return (nps is not None and nps <= NPS_DETRACTOR_MAX) or (csat is not None and csat <= CSAT_BAD_MAX)


def supervisor_follow_up(result: SurveyAnswered) -> str | None:
    """Why a supervisor should call the customer back, or None."""
    reasons = []
    if is_detractor(result.csat, result.nps):
        reasons.append(f"low rating ({_ratings(result)})")
    if result.callback_requested:
        reasons.append("the customer asked for a supervisor's call back")
    return "Survey: " + "; ".join(reasons) if reasons else None


def timeline_summary(result: SurveyAnswered) -> str:
    if result.status in _UNANSWERED:
        return f"Survey call: {_UNANSWERED[result.status]}"
    if result.status == "skipped":
        return f"Survey skipped ({(result.skip_reason or 'rules').replace('_', ' ')})"
    rated = _ratings(result) or "no ratings given"
    partial = " (hung up before the end)" if result.status == "partial" else ""
    return f"Survey: {rated}{partial}"


def _ratings(result: SurveyAnswered) -> str:
    parts = []
    if result.csat is not None:
        parts.append(f"CSAT {result.csat}/5")
    if result.nps is not None:
        parts.append(f"NPS {result.nps}/10")
    return ", ".join(parts)
