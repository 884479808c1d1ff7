"""The telephony simulator page and its JSON, served only while notify runs without Twilio credentials."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from services.common.app import runtime_of
from services.common.db import transaction
from services.common.problems import NotFound
from services.notify.simulator.switchboard import SimulatedCall, Switchboard, ringing_and_recent, sandbox_call
from services.notify.twilio_gateway import is_sandbox

PAGE = Path(__file__).resolve().parent.parent / "simulator" / "page.html"


def sandbox_only(request: Request) -> None:
    if not is_sandbox(runtime_of(request).settings):
        raise NotFound("The telephony simulator exists only without Twilio credentials.")


router = APIRouter(prefix="/simulator", tags=["sandbox telephony"], dependencies=[Depends(sandbox_only)])


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answered_by: Literal["human", "machine_start"] = "human"


class FollowBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000)
    digits: str | None = Field(default=None, max_length=20, pattern=r"^[0-9*#]*$")


class EndBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_status: Literal["completed", "no-answer", "busy", "failed"] = "completed"


def _call(request: Request, survey_id: int) -> SimulatedCall:
    with transaction(runtime_of(request).engine) as session:
        return sandbox_call(session, survey_id)


def switchboard(request: Request) -> Switchboard:
    return Switchboard(request.app, runtime_of(request).settings)


Board = Annotated[Switchboard, Depends(switchboard)]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def simulator_page() -> HTMLResponse:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))


@router.get("/calls")
def simulated_calls(request: Request) -> list[dict[str, Any]]:
    with transaction(runtime_of(request).engine) as session:
        return [asdict(call) for call in ringing_and_recent(session)]


@router.post("/calls/{survey_id}/answer")
async def answer_call(request: Request, survey_id: int, body: AnswerBody, board: Board) -> dict[str, Any]:
    return asdict(await board.answer(_call(request, survey_id), body.answered_by))


@router.post("/calls/{survey_id}/follow")
async def follow_twiml(request: Request, survey_id: int, body: FollowBody, board: Board) -> dict[str, Any]:
    return asdict(await board.follow(_call(request, survey_id), body.url, body.digits))


@router.post("/calls/{survey_id}/end", status_code=204)
async def end_call(request: Request, survey_id: int, body: EndBody, board: Board) -> None:
    await board.end(_call(request, survey_id), body.call_status)
