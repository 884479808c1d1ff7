"""Survey results one by one: the shop manager reads every rating of their shop with the operator's name only;
operators their own calls; nobody another shop's."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from tests.reports.history import History, login

PERIOD = {"called_from": "2026-11-23T00:00:00+03:00", "called_before": "2026-11-25T00:00:00+03:00"}


def surveys(api: TestClient, who: str, **params: Any) -> Any:
    return api.get("/api/v1/surveys", params={**PERIOD, **params}, headers=login(api, who))


def refs(api: TestClient, who: str, **params: Any) -> list[str]:
    response = surveys(api, who, **params)
    assert response.status_code == 200, response.text
    return [item["external_id"] for item in response.json()["items"]]


def test_the_shop_manager_reads_every_rating_of_the_shop_newest_first_with_operator_names_only(
    api: TestClient, history: History
) -> None:
    body = surveys(api, "masha").json()
    assert body["total"] == 5
    assert [(i["external_id"], i["operator"], i["survey_status"], i["csat"], i["nps"]) for i in body["items"]] == [
        ("O9", "Anna", "no_answer", None, None),
        ("O7", "Boris", "completed", 3, 6),
        ("O3", "Boris", "partial", 2, None),
        ("O2", "Boris", "completed", 4, 8),
        ("O1", "Anna", "completed", 5, 10),
    ]
    assert set(body["items"][0]) == {
        "attempt_id", "order_id", "external_id", "tenant", "called_at", "operator",
        "survey_status", "csat", "nps", "callback_requested",
    }  # fmt: skip
    assert body["items"][4]["called_at"] == "2026-11-23T07:05:00+00:00"

    assert refs(api, "masha", nps_group="detractor") == ["O7"]
    assert refs(api, "masha", nps_group="promoter") == ["O1"]
    assert refs(api, "masha", nps_group="passive") == ["O2"]
    assert refs(api, "masha", csat=4) == ["O2"]
    assert refs(api, "masha", status="completed", operator_id=history.operators["boris"]) == ["O7", "O2"]
    page = surveys(api, "masha", limit=2, offset=2).json()
    assert (page["total"], [i["external_id"] for i in page["items"]]) == (5, ["O3", "O2"])


def test_operators_see_their_own_calls_and_nobody_sees_another_shops_ratings(api: TestClient, history: History) -> None:
    assert refs(api, "anna") == ["O9", "O1"]
    assert surveys(api, "anna", operator_id=history.operators["boris"]).status_code == 404
    assert len(refs(api, "sveta")) == 5
    assert refs(api, "rita") == ["R1"]
    assert surveys(api, "rita", tenant_id=history.tenants["shop"]).status_code == 404
    assert surveys(api, "masha", operator_id=history.operators["oleg"]).status_code == 404

    naive = api.get(
        "/api/v1/surveys",
        params={"called_from": "2026-11-23T00:00:00", "called_before": "2026-11-25T00:00:00"},
        headers=login(api, "masha"),
    )
    assert (naive.status_code, naive.json()["code"]) == (422, "invalid_report_period")
    assert surveys(api, "masha", csat=9).status_code == 422


def test_a_status_outside_the_vocabulary_or_with_a_nul_byte_is_a_clear_422(api: TestClient, history: History) -> None:
    for status in ("finished", "completed\x00"):
        response = surveys(api, "masha", status=status)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "validation_failed"
        assert response.json()["errors"][0]["field"] == "query.status.0"


def test_generated_requests_to_the_surveys_and_daily_report_routes_never_cause_a_server_error(
    api: TestClient, history: History
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app).include(
        path_regex=r"^/api/v1/(surveys|reports/daily)"
    )
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) == 3
    headers = login(api, "masha")
    server_errors: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def probe(case: Any) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}")

        probe()
    assert server_errors == []
