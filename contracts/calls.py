"""Calls and surveys: order_confirm tells notify a conversation ended; notify reports the ratings back."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from contracts.envelope import Strict
from contracts.orders import OrderOutcome


class CallCompleted(Strict):
    """An operator's call attempt ended. notify decides whether (and when) to survey the customer."""

    attempt_id: int
    order_id: int
    customer_id: int
    customer_phone: str  # E.164
    customer_timezone: str  # IANA; quiet hours are the customer's
    language: str  # "ru" | "en"
    operator_id: int
    disposition: str
    reached_customer: bool  # a conversation happened (only then is a survey allowed)
    survey_opt_out: bool = False
    ended_at: AwareDatetime


SurveyStatus = Literal["completed", "partial", "no_answer", "busy", "failed", "voicemail", "skipped"]


class SurveyAnswered(Strict):
    """The facts of one survey call; partial answers are kept (hung up after CSAT = CSAT only)."""

    attempt_id: int
    order_id: int
    customer_id: int
    operator_id: int
    call_sid: str | None = None
    status: SurveyStatus
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    callback_requested: bool = False
    opted_out: bool = False
    skip_reason: str | None = None  # why no call was made (status "skipped"): opted_out, recently_surveyed, ...
    finished_at: AwareDatetime


class SurveyCompleted(OrderOutcome):
    """order_confirm -> integrations: the customer's ratings of the call, for the ERP and the shop's webhook."""

    attempt_id: int
    survey_status: SurveyStatus
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    callback_requested: bool = False
    finished_at: AwareDatetime
