"""A hand-served route (services/common/hand_served.py) answers its parameters' errors exactly as FastAPI
answers them for the same declaration: the same status, the same problem+json, every failing parameter."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import pytest
from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from fastapi.testclient import TestClient
from pydantic import Field, TypeAdapter

from services.common.hand_served import Params, served_by
from services.common.problems import install_problem_handlers


class Question(StrEnum):
    CSAT = "csat"
    NPS = "nps"


_ID = TypeAdapter(Annotated[int, Field(ge=1)])
_QUESTION = TypeAdapter(Question)
_TRY = TypeAdapter(Annotated[int, Field(ge=1, le=2)])


async def answer(
    survey_id: Annotated[int, Path(ge=1)],
    question: Question,
    attempt: Annotated[int, Query(alias="try", ge=1, le=2)] = 1,
) -> Response:
    return Response(f"{survey_id} {question.value} {attempt}", media_type="text/plain")


async def serve_answer(request: Request) -> Response:
    params = Params(request)
    survey_id = params.path("survey_id", _ID)
    question = params.path("question", _QUESTION)
    attempt = params.query("try", _TRY, 1)
    params.check()
    return Response(f"{survey_id} {question.value} {attempt}", media_type="text/plain")


def _app(hand_served: bool) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter()
    route_class = served_by(serve_answer) if hand_served else None
    router.add_api_route(
        "/surveys/{survey_id}/answer/{question}", answer, methods=["POST"], route_class_override=route_class
    )
    app.include_router(router)
    return app


@pytest.fixture(scope="module")
def clients() -> tuple[TestClient, TestClient]:
    return TestClient(_app(hand_served=False)), TestClient(_app(hand_served=True))


@pytest.mark.parametrize(
    "path",
    [
        "/surveys/7/answer/csat",
        "/surveys/7/answer/nps?try=2",
        "/surveys/007/answer/csat?try=1&try=2",  # a repeated parameter: its last value
        "/surveys/0/answer/csat",
        "/surveys/x/answer/csat",
        "/surveys/7/answer/bogus",
        "/surveys/7/answer/csat?try=3",
        "/surveys/7/answer/csat?try=",
        "/surveys/7/answer/csat?try=2&try=x",
        "/surveys/1.5/answer/other?try=0",  # every parameter wrong: all three reported
        "/surveys/7/answer/csat?other=1",
    ],
)
def test_a_hand_served_route_answers_as_fastapi_answers_the_same_declaration(
    clients: tuple[TestClient, TestClient], path: str
) -> None:
    generic, hand_served = clients
    expected, answered = generic.post(path), hand_served.post(path)
    assert (answered.status_code, answered.headers["content-type"]) == (
        expected.status_code,
        expected.headers["content-type"],
    )
    assert answered.content == expected.content


def test_the_declaration_still_documents_the_route(clients: tuple[TestClient, TestClient]) -> None:
    generic, hand_served = clients
    assert hand_served.get("/openapi.json").json() == generic.get("/openapi.json").json()
