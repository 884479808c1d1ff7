"""A tenant's policy through the API and the CLI (SQLite and PostgreSQL): validated field by field, guarded by
its ETag, audited, scoped, and in force for the next retry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from okno import cli
from okno.embedded import Okno
from services.common.db import make_engine
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import AuditEntry, Tenant
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, login
from tests.support import FrozenClock


@pytest.fixture
def shop(frozen_okno: Okno, clock: FrozenClock) -> dict[str, int]:
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # 12:00 in Moscow
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    other = add_tenant(engine, "other", now=clock())
    sup = add_operator(engine, "sup", Role.SUPERVISOR, [tenant], now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock(), supervisor_id=sup)
    add_operator(engine, "manager", Role.CLIENT_MANAGER, [tenant], now=clock())
    add_operator(engine, "admin", Role.ADMIN, [tenant], now=clock())
    add_operator(engine, "stranger", Role.SUPERVISOR, [other], now=clock())
    return {"tenant": tenant, "sup": sup, "olga": olga}


def _url(tenant_id: int) -> str:
    return f"/api/v1/admin/tenants/{tenant_id}/policy"


def _stored(okno: Okno, tenant_id: int) -> dict[str, object]:
    with Session(okno.order_confirm.engine) as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        return dict(tenant.policy)


def test_every_bad_field_is_listed_and_nothing_is_written(
    frozen_okno: Okno, api: TestClient, shop: dict[str, int]
) -> None:
    sup, url = login(api, "sup"), _url(shop["tenant"])
    read = api.get(url, headers=sup)
    assert read.status_code == 200, read.text
    assert read.json()["policy"]["retry_steps"] == ["15m", "1h", "3h", "next_day 10:00"]
    assert read.json()["policy"]["max_attempts"] == 5
    assert read.headers["ETag"] == read.json()["etag"]
    etag = read.headers["ETag"]

    bad = {
        "retry_steps": ["-5m", "15m", "next_day 25:00"],
        "max_attempts": 0,
        "calling_hours": {"start": "21:00", "end": "09:00"},
        "cover_grace_minutes": -1,
        "service_level": {"target_share": 1.0},
        "planning": {"inbound": {"within_seconds": 0}},
        "qa": {"target": 101},
    }
    for method in ("PUT", "PATCH"):
        refused = api.request(method, url, json=bad, headers={**sup, "If-Match": etag})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        errors = {error["field"]: error["message"] for error in refused.json()["errors"]}
        assert set(errors) == {
            "retry_steps.0",
            "retry_steps.2",
            "max_attempts",
            "calling_hours",
            "cover_grace_minutes",
            "service_level.target_share",
            "planning.inbound.within_seconds",
            "qa.target",
        }, errors
        assert "negative" in errors["retry_steps.0"]
        assert "empty" in errors["calling_hours"]
    empty_hours = api.patch(
        url, json={"calling_hours": {"start": "10:00", "end": "10:00"}}, headers={**sup, "If-Match": etag}
    )
    assert empty_hours.status_code == 422 and empty_hours.json()["errors"][0]["field"] == "calling_hours"
    unknown = api.patch(url, json={"max_attempt": 3}, headers={**sup, "If-Match": etag})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "max_attempt"
    assert _stored(frozen_okno, shop["tenant"]) == {}
    assert api.get(url, headers=sup).headers["ETag"] == etag


def test_changes_need_the_current_etag_and_are_audited(
    frozen_okno: Okno, api: TestClient, shop: dict[str, int]
) -> None:
    sup, url = login(api, "sup"), _url(shop["tenant"])
    etag = api.get(url, headers=sup).headers["ETag"]
    change = {"calling_hours": {"start": "10:00"}, "retry_steps": ["30m", "next_day 11:00"], "max_attempts": 3}

    missing = api.patch(url, json=change, headers=sup)
    assert missing.status_code == 428 and missing.json()["code"] == "if_match_required"
    changed = api.patch(url, json=change, headers={**sup, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    policy = changed.json()["policy"]
    assert policy["calling_hours"] == {"start": "10:00", "end": "21:00"}, "keys not given keep their values"
    assert (policy["retry_steps"], policy["max_attempts"], policy["cover_grace_minutes"]) == (
        ["30m", "next_day 11:00"],
        3,
        15,
    )
    new_etag = changed.headers["ETag"]
    assert new_etag != etag

    retried = api.patch(url, json=change, headers={**sup, "If-Match": etag})
    assert retried.status_code == 200 and retried.headers["ETag"] == new_etag, "a retried change is not a conflict"
    stale = api.patch(url, json={"max_attempts": 4}, headers={**sup, "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    assert stale.json()["current_etag"] == new_etag

    # Planning's targets live in the same document: changing them there makes a policy read before stale.
    targets = api.get(f"/api/v1/planning/tenants/{shop['tenant']}/settings", headers=sup).json()
    planned = api.put(
        f"/api/v1/planning/tenants/{shop['tenant']}/settings", json={**targets, "shrinkage": 0.25}, headers=sup
    )
    assert planned.status_code == 200, planned.text
    assert api.patch(url, json={"max_attempts": 4}, headers={**sup, "If-Match": new_etag}).status_code == 412
    fresh = api.get(url, headers=sup)
    assert fresh.json()["policy"]["planning"]["shrinkage"] == 0.25

    whole = fresh.json()["policy"] | {"cover_grace_minutes": 30}
    replaced = api.put(url, json=whole, headers={**sup, "If-Match": fresh.headers["ETag"]})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["policy"]["cover_grace_minutes"] == 30
    assert replaced.json()["policy"]["planning"]["shrinkage"] == 0.25
    back = api.patch(
        url,
        content=b'{"cover_grace_minutes": null}',
        headers={**sup, "If-Match": replaced.headers["ETag"], "Content-Type": "application/merge-patch+json"},
    )
    assert back.json()["policy"]["cover_grace_minutes"] == 15, "null restores the default"

    with Session(frozen_okno.order_confirm.engine) as session:
        entries = session.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "tenant.policy_changed").order_by(col(AuditEntry.id))
        ).all()
    assert [(entry.actor, entry.entity_id) for entry in entries] == [("sup", str(shop["tenant"]))] * 3
    first = entries[0]
    assert first.before is not None and first.after is not None
    assert (first.before["max_attempts"], first.after["max_attempts"]) == (5, 3)
    audit = api.get("/api/v1/audit", params={"action": "tenant.policy_changed"}, headers=sup)
    assert audit.status_code == 200 and len(audit.json()) == 3, audit.text


def test_only_the_tenants_supervisors_and_admins_change_it(api: TestClient, shop: dict[str, int]) -> None:
    url = _url(shop["tenant"])
    manager = login(api, "manager")
    assert api.get(url, headers=manager).status_code == 200, "the shop's manager reads its policy"
    etag = api.get(url, headers=manager).headers["ETag"]
    for name in ("manager", "olga", "stranger"):
        headers = {**login(api, name), "If-Match": etag}
        assert api.patch(url, json={"max_attempts": 2}, headers=headers).status_code == 404, name
    assert api.get(url, headers=login(api, "olga")).status_code == 404
    assert api.get(url, headers=login(api, "stranger")).status_code == 404
    assert api.get(_url(shop["tenant"] + 1), headers=login(api, "sup")).status_code == 404, "another shop"
    admin = {**login(api, "admin"), "If-Match": etag}
    assert api.patch(url, json={"max_attempts": 2}, headers=admin).status_code == 200


def test_the_next_retry_follows_the_new_policy(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock, shop: dict[str, int]
) -> None:
    sup, url = login(api, "sup"), _url(shop["tenant"])
    etag = api.get(url, headers=sup).headers["ETag"]
    change = {"retry_steps": ["2h"], "max_attempts": 2, "calling_hours": {"start": "08:00", "end": "14:00"}}
    assert api.patch(url, json=change, headers={**sup, "If-Match": etag}).status_code == 200

    seeded = add_order(frozen_okno.order_confirm.engine, shop["tenant"], shop["olga"], now=clock())
    olga = login(api, "olga")
    order_url = f"/api/v1/orders/{seeded.order_id}"
    first = api.post(f"{order_url}/attempts", json={"disposition": "no_answer"}, headers=olga)
    assert first.status_code == 201, first.text
    # 12:00 + 2 h = 14:00 in Moscow, the end of the new calling hours: the next morning at 08:00 (05:00 UTC).
    assert first.json()["attempt"]["next_attempt_at"] == "2026-11-24T05:00:00Z"
    second = api.post(f"{order_url}/attempts", json={"disposition": "busy"}, headers=olga)
    assert second.json()["order"]["status"] == "unreachable", "the second unanswered call is the last"


def test_the_cli_shows_and_sets_the_policy(database_url: str, clock: FrozenClock) -> None:
    engine = make_engine(database_url)
    tenant = add_tenant(engine, "tea", now=clock())
    env = {"OKNO_DATABASE_URL": database_url}
    runner = CliRunner()

    wrong = runner.invoke(
        cli.app, ["tenant", "policy", "set", "tea", "--max-attempts", "0", "--calling-hours", "21:00-09:00"], env=env
    )
    assert wrong.exit_code == 1, wrong.output
    assert "max_attempts" in wrong.output and "calling_hours" in wrong.output
    done = runner.invoke(
        cli.app,
        ["tenant", "policy", "set", "tea", "--retry-steps", "10m, 2h, next_day 9:30", "--cover-grace", "20"]
        + ["--value", "service_level.within_minutes=30", "--value", "qa.target=90"],
        env=env,
    )
    assert done.exit_code == 0, done.output
    shown = runner.invoke(cli.app, ["tenant", "policy", "show", "tea"], env=env)
    assert shown.exit_code == 0 and '"next_day 09:30"' in shown.output, shown.output
    with Session(engine) as session:
        stored = session.get(Tenant, tenant)
        assert stored is not None
        policy = stored.policy
        entry = session.exec(select(AuditEntry).where(col(AuditEntry.action) == "tenant.policy_changed")).one()
    assert policy["retry_steps"] == ["10m", "2h", "next_day 09:30"]
    assert (policy["cover_grace_minutes"], policy["service_level"]["within_minutes"], policy["qa"]["target"]) == (
        20,
        30,
        90,
    )
    assert entry.actor == "system:cli"
    unknown = runner.invoke(cli.app, ["tenant", "policy", "show", "nope"], env=env)
    assert unknown.exit_code == 1 and "nope" in unknown.output
    engine.dispose()
