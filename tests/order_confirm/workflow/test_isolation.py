"""Isolation: every role of tenant A calls every route of the API with the ids of tenant B's objects and of
objects another owner works on. Every answer is "not found" (or 401/405) and nothing leaks or changes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import CoverRule, Customer, Note, Order, OutboxMessage
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, login
from tests.support import FrozenClock

# Routes of this area (issue 4): the strict rule applies. Other areas' routes may also answer 422 when the
# probe's body does not fit them; they are still checked for leaks and server errors.
WORKFLOW = re.compile(r"^/api/v1/(auth|queue|orders|customers|cover-rules|audit)\b")
NOT_PROBED = {"/api/v1/auth/logout", "/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/events"}
SECRET_MARKERS = ("Beta Buyer", "+79990000777", "BETA-ORDER", "beta note")


@dataclass
class Targets:
    by_param: dict[str, list[int]]
    reassign_to: int
    foreign_tenant: int


def _seed(okno: Okno, now: Any) -> tuple[dict[Role, str], Targets, Targets]:
    engine = okno.order_confirm.engine
    acme, beta = add_tenant(engine, "acme", now=now), add_tenant(engine, "beta", now=now)
    lead = add_operator(engine, "a-lead", Role.SUPERVISOR, [acme], now=now)
    other_lead = add_operator(engine, "a-lead2", Role.SUPERVISOR, [acme], now=now)
    mine = add_operator(engine, "a-op", Role.OPERATOR, [acme], now=now, supervisor_id=lead)
    other = add_operator(engine, "a-other", Role.OPERATOR, [acme], now=now, supervisor_id=other_lead)
    add_operator(engine, "a-shop", Role.CLIENT_MANAGER, [acme], now=now)
    add_operator(engine, "a-admin", Role.ADMIN, [acme], now=now)
    b_op = add_operator(engine, "b-op", Role.OPERATOR, [beta], now=now)
    b_op2 = add_operator(engine, "b-op2", Role.OPERATOR, [beta], now=now)
    add_order(engine, acme, mine, now=now)
    theirs = add_order(engine, acme, other, now=now)
    secret = add_order(engine, beta, b_op, now=now, phone="+79990000777")
    with Session(engine) as session:
        order = session.get(Order, secret.order_id)
        assert order is not None
        order.external_id = "BETA-ORDER"
        session.add(order)
        session.add(
            Note(tenant_id=beta, customer_id=secret.customer_id, author_id=b_op, text="beta note", created_at=now)
        )
        session.commit()
    with Session(engine) as session:
        customer = session.get(Customer, secret.customer_id)
        assert customer is not None
        customer.name = "Beta Buyer"
        session.add(customer)
        rule = CoverRule(tenant_id=beta, owner_id=b_op, cover_id=b_op2, created_at=now)
        session.add(rule)
        session.commit()
        rule_id = rule.id or 0
    roles = {Role.OPERATOR: "a-op", Role.SUPERVISOR: "a-lead", Role.CLIENT_MANAGER: "a-shop", Role.ADMIN: "a-admin"}
    beta_ids = {"order_id": [secret.order_id], "customer_id": [secret.customer_id], "task_id": [secret.task_id]}
    other_ids = {"order_id": [theirs.order_id], "customer_id": [theirs.customer_id], "task_id": [theirs.task_id]}
    return (
        roles,
        Targets({**beta_ids, "rule_id": [rule_id]}, reassign_to=b_op2, foreign_tenant=beta),
        Targets({**other_ids, "rule_id": [rule_id]}, reassign_to=other, foreign_tenant=acme),
    )


def _body(method: str, path: str, targets: Targets) -> dict[str, Any] | None:
    if method in ("get", "delete"):
        return None
    if path.endswith("/attempts"):
        return {"disposition": "no_answer"}
    if path.endswith("/cancel"):
        return {"reason_code": "customer_refused"}
    if path.endswith("/notes"):
        return {"text": "probe"}
    if path.endswith("/owner"):
        return {"operator_id": targets.reassign_to, "reason": "probe"}
    if path == "/api/v1/cover-rules":
        return {"tenant_id": targets.foreign_tenant, "owner_id": targets.reassign_to, "cover_id": targets.reassign_to}
    if method == "patch":
        return {"comment": "probe"}
    return {}


def _probes(schema: dict[str, Any], targets: Targets) -> list[tuple[str, str, dict[str, Any] | None, bool]]:
    """(method, path, body, whether the path names an object) for every route under /api/."""
    probes = []
    for template, operations in schema["paths"].items():
        if not template.startswith("/api/") or template in NOT_PROBED:
            continue
        params = re.findall(r"{(\w+)}", template)
        for method in operations:
            choices = [targets.by_param.get(name, targets.by_param["order_id"]) for name in params]
            for values in zip(*choices, strict=False) if params else [()]:
                path = template
                for name, value in zip(params, values, strict=True):
                    path = path.replace(f"{{{name}}}", str(value))
                probes.append((method, path, _body(method, template, targets), bool(params)))
    return probes


def test_every_route_answers_not_found_for_other_tenants_and_other_owners(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    roles, beta, other_owner = _seed(frozen_okno, clock())
    schema = api.get("/openapi.json").json()
    for role, login_name in roles.items():
        headers = {**login(api, login_name), "If-Match": '"1"'}
        # Admins see their whole tenant, so for them "another owner's" objects are in scope by design.
        for targets in [beta] if role is Role.ADMIN else [beta, other_owner]:
            checked = _probe_all(api, schema, targets, headers, role)
            assert checked > 20

    with Session(frozen_okno.order_confirm.engine) as session:
        for order in session.exec(select(Order).where(Order.external_id == "BETA-ORDER")):
            assert (order.status, order.version, order.comment) == ("awaiting_call", 1, None)
        assert session.exec(select(OutboxMessage)).all() == []


def _probe_all(api: TestClient, schema: dict[str, Any], targets: Targets, headers: dict[str, str], role: Role) -> int:
    checked = 0
    for method, path, body, templated in _probes(schema, targets):
        response = api.request(method.upper(), path, json=body, headers=headers)
        where = (role, method, path, response.status_code, response.text[:300])
        assert response.status_code < 500, where
        if templated:
            allowed = {401, 404, 405} if WORKFLOW.match(path) else {401, 404, 405, 422}
            assert response.status_code in allowed, where
        for marker in SECRET_MARKERS:
            assert marker not in response.text, (*where, marker)
        checked += 1
    return checked
