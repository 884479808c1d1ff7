"""What a survey result means for the shop: a fact for the timeline, and whether a supervisor must act."""

from __future__ import annotations

from contracts.calls import SurveyAnswered

# The shop's alarm thresholds (NPS detractors are 0-6 by the NPS definition; CSAT 1-2 is "bad").
NPS_DETRACTOR_MAX = 6
CSAT_BAD_MAX = 2


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


def survey_fact(result: SurveyAnswered) -> dict[str, object]:
    """The timeline fact of a survey result (domain/timeline_text.py tells it)."""
    return {"status": result.status, "csat": result.csat, "nps": result.nps, "skip_reason": result.skip_reason}


def _ratings(result: SurveyAnswered) -> str:
    parts = []
    if result.csat is not None:
        parts.append(f"CSAT {result.csat}/5")
    if result.nps is not None:
        parts.append(f"NPS {result.nps}/10")
    return ", ".join(parts)
