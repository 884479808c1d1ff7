"""The telephony simulator page and its JSON: only in the sandbox, only with a sandbox ticket of the tenant.

The page itself is a static shell (no data); everything it shows and every key it presses goes through the
JSON routes below, which see only the ticket's tenant: another tenant's call answers 404.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from services.common.app import runtime_of
from services.common.db import transaction
from services.notify.api.sandbox_access import Viewer, sandbox_only
from services.notify.simulator.switchboard import SimulatedCall, Switchboard, ringing_and_recent, sandbox_call
from services.notify.telephony.sandbox.credentials import sandbox_credentials

PAGE = Path(__file__).resolve().parent.parent / "simulator" / "page.html"

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


def _call(request: Request, viewer: Viewer, survey_id: int) -> SimulatedCall:
    with transaction(runtime_of(request).engine) as session:
        return sandbox_call(session, viewer.tenant, survey_id)


def switchboard(request: Request) -> Switchboard:
    runtime = runtime_of(request)
    return Switchboard(request.app, runtime.settings, sandbox_credentials(runtime.engine))


Board = Annotated[Switchboard, Depends(switchboard)]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def simulator_page() -> HTMLResponse:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))


@router.get("/calls")
def simulated_calls(request: Request, viewer: Viewer) -> list[dict[str, Any]]:
    with transaction(runtime_of(request).engine) as session:
        return [asdict(call) for call in ringing_and_recent(session, viewer.tenant)]


@router.post("/calls/{survey_id}/answer")
async def answer_call(
    request: Request, viewer: Viewer, survey_id: int, body: AnswerBody, board: Board
) -> dict[str, Any]:
    call = await anyio.to_thread.run_sync(_call, request, viewer, survey_id)
    return asdict(await board.answer(call, body.answered_by))


@router.post("/calls/{survey_id}/follow")
async def follow_twiml(
    request: Request, viewer: Viewer, survey_id: int, body: FollowBody, board: Board
) -> dict[str, Any]:
    call = await anyio.to_thread.run_sync(_call, request, viewer, survey_id)
    return asdict(await board.follow(call, body.url, body.digits))


@router.post("/calls/{survey_id}/end", status_code=204)
async def end_call(request: Request, viewer: Viewer, survey_id: int, body: EndBody, board: Board) -> None:
    call = await anyio.to_thread.run_sync(_call, request, viewer, survey_id)
    await board.end(call, body.call_status)
