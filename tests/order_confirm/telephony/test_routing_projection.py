"""The routing projection order_confirm feeds notify: settings, presence, cover and customer routes go out
through the outbox with every change that commits, revisions only grow, and a re-publication repeats them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from contracts.orders import OrderSnapshot
from contracts.telephony import CoverChanged, CustomerRoutesChanged, OperatorPresenceChanged, TelephonySettingsChanged
from okno import cli
from okno.embedded import Okno
from services.common.db import make_engine, transaction
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import AuditEntry, Customer, OutboxMessage, TelephonySettings
from services.order_confirm.schedule import telephony_presence
from services.order_confirm.service import intake
from services.order_confirm.telephony.projection import republish, watch
from tests.order_confirm.telephony.outbox import Outbox
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers
from tests.support import FrozenClock

SETTINGS = {"numbers": ["+7 495 123-45-67"], "recording": True, "owner_wait_seconds": 10}


def _by_type(messages: list[tuple[str, str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for message_type, _tenant, payload in messages:
        found.setdefault(message_type, []).append(payload)
    return found


def test_first_settings_send_the_shops_projection_and_every_later_change_follows(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    now = clock()
    shop = add_tenant(engine, "tea", now=now)
    quiet_shop = add_tenant(engine, "quiet", now=now)
    root = add_operator(engine, "root", Role.ADMIN, [shop, quiet_shop], now=now)
    sup = add_operator(engine, "sup", Role.SUPERVISOR, [shop], now=now)
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=now, supervisor_id=sup)
    boris = add_operator(engine, "boris", Role.OPERATOR, [shop], now=now, supervisor_id=sup)
    order = add_order(engine, shop, anna, now=now, phone="+79161234567")
    add_order(engine, quiet_shop, None, now=now)
    admin, supervisor = mint_headers(frozen_okno.order_confirm, "root"), mint_headers(frozen_okno.order_confirm, "sup")
    anna_headers = mint_headers(frozen_okno.order_confirm, "anna")
    outbox = Outbox(engine)
    assert outbox.new() == [], "a shop without telephony settings is not projected"

    saved = api.put(f"/api/v1/admin/tenants/{shop}/telephony", json=SETTINGS, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json()["numbers"] == ["+74951234567"] and saved.json()["configured"] is True
    first = _by_type(outbox.new())
    [settings] = [TelephonySettingsChanged.model_validate(p) for p in first["telephony_settings.changed"]]
    assert (settings.numbers, settings.recording, settings.owner_wait_seconds) == (["+74951234567"], True, 10)
    assert (settings.default_country, settings.timezone, settings.language) == ("RU", "Europe/Moscow", "ru")
    presence = {p["operator_id"]: OperatorPresenceChanged.model_validate(p) for p in first["operator_presence.changed"]}
    assert set(presence) == {anna, boris}, "operators only: supervisors and admins take no calls"
    assert presence[anna].status == "available", "signed in and available"
    assert presence[boris].status == "offline", "available but not signed in: no console to ring"
    [routes] = [CustomerRoutesChanged.model_validate(p) for p in first["customer_routes.changed"]]
    [route] = routes.customers
    assert (route.customer_id, route.phone, route.owner_id) == (order.customer_id, "+79161234567", anna)

    # The same settings again change nothing: no message, no audit entry.
    assert api.put(f"/api/v1/admin/tenants/{shop}/telephony", json=SETTINGS, headers=admin).status_code == 200
    assert outbox.new() == []

    # A cover, a reassignment, a line choice, a sign-out: each one message, each revision above the last.
    assert api.put(
        "/api/v1/cover-rules", json={"tenant_id": shop, "owner_id": anna, "cover_id": boris}, headers=supervisor
    ).is_success
    [cover] = [CoverChanged.model_validate(p) for _, _, p in outbox.new()]
    assert (cover.owner_id, cover.cover_id) == (anna, boris)
    clock.advance(seconds=1)
    moved = api.post(
        f"/api/v1/customers/{order.customer_id}/owner",
        json={"operator_id": boris, "reason": "holiday"},
        headers=supervisor,
    )
    assert moved.status_code == 200, moved.text
    [(_, _, moved_route)] = outbox.new()
    assert moved_route["customers"][0]["owner_id"] == boris
    assert moved_route["customers"][0]["revision"] > route.revision
    line = api.put(
        "/api/v1/me/telephony-line", json={"line": "phone", "phone_number": "8 916 555-44-33"}, headers=anna_headers
    )
    assert line.json() == {"line": "phone", "phone_number": "+79165554433", "telephony": True}
    [(_, _, on_phone)] = outbox.new()
    assert (on_phone["line"], on_phone["phone_number"], on_phone["status"]) == ("phone", "+79165554433", "available")
    assert on_phone["revision"] > presence[anna].revision
    assert api.post("/api/v1/auth/logout", headers=anna_headers).status_code == 204
    [(_, _, signed_out)] = outbox.new()
    assert (signed_out["status"], signed_out["member"]) == ("offline", True)
    assert signed_out["revision"] > on_phone["revision"]

    # A new customer arriving through intake is routed to notify with its owner.
    snapshot = OrderSnapshot.model_validate(
        {
            "external_id": "NEW-1",
            "source": "webhook",
            "source_ref": "1",
            "event": "order.created",
            "content_hash": "h1",
            "created_at": now.isoformat(),
            "customer": {"name": "Vera", "phone": "+7 903 111-22-33"},
            "items": [{"sku": "T", "name": "Tea", "quantity": 1, "unit_price": "10.00"}],
            "delivery": {"method": "courier", "address": "Tverskaya 1"},
            "payment": {"method": "card", "status": "pending", "amount": "10.00", "currency": "RUB"},
            "total": "10.00",
            "currency": "RUB",
        }
    )
    with transaction(engine) as session:
        created = intake.receive_snapshot(session, "tea", snapshot, now=clock())
        assert created is not None
        new_owner = session.get(Customer, created.customer_id).owner_id  # type: ignore[union-attr]
    [(_, tenant, new_route)] = outbox.new()
    assert tenant == "tea" and new_route["customers"][0]["phone"] == "+79031112233"
    assert new_owner in (anna, boris) and new_route["customers"][0]["owner_id"] == new_owner

    # Leaving the shop: notify is told the operator is no member any more.
    assert api.patch(f"/api/v1/admin/operators/{boris}", json={"tenants": ["quiet"]}, headers=admin).is_success
    [(_, _, left)] = outbox.new()
    assert (left["operator_id"], left["member"], left["status"]) == (boris, False, "offline")

    # Re-publication repeats what notify was told, with the same revisions; nothing has drifted.
    with transaction(engine) as session:
        result = republish.republish(watch.context(session))
    assert (result.tenants, result.changes_sent) == (1, 0)
    again = _by_type(outbox.new())
    assert again["telephony_settings.changed"][0]["revision"] == settings.revision
    assert {p["operator_id"]: p["revision"] for p in again["operator_presence.changed"]} == {
        anna: signed_out["revision"],
        boris: left["revision"],
    }
    assert again["cover.changed"][0]["revision"] == cover.revision
    resent = {r["customer_id"]: r["revision"] for p in again["customer_routes.changed"] for r in p["customers"]}
    assert resent[order.customer_id] == moved_route["customers"][0]["revision"]

    with Session(engine) as session:
        [entry] = session.exec(select(AuditEntry).where(col(AuditEntry.action) == "telephony_settings.changed")).all()
    assert entry.before is None and entry.after is not None and entry.after["numbers"] == ["+74951234567"]
    assert entry.tenant_id == shop and entry.actor == "root"
    assert root


def test_a_console_left_open_counts_and_one_gone_quiet_is_taken_off_routing(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    shop = add_tenant(engine, "tea", now=clock())
    add_operator(engine, "root", Role.ADMIN, [shop], now=clock())
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=clock())
    admin = mint_headers(frozen_okno.order_confirm, "root")
    login = api.post("/api/v1/auth/token", data={"username": "anna", "password": "correct horse battery staple"})
    assert login.status_code == 200
    assert api.put(f"/api/v1/admin/tenants/{shop}/telephony", json=SETTINGS, headers=admin).is_success
    outbox = Outbox(engine)
    outbox.new()
    assert telephony_presence(frozen_okno.order_confirm) == 0, "anna's login is fresh"

    clock.advance(minutes=14)
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}).is_success
    clock.advance(minutes=14)
    assert telephony_presence(frozen_okno.order_confirm) == 0, "the console renewed its login: still there"
    assert outbox.new() == []

    clock.advance(minutes=30)
    assert telephony_presence(frozen_okno.order_confirm) == 1
    [(_, _, gone)] = outbox.new()
    assert (gone["operator_id"], gone["status"]) == (anna, "offline")
    assert telephony_presence(frozen_okno.order_confirm) == 0, "told once"


def test_settings_are_checked_whole_and_only_a_shops_admin_reaches_them(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    shop = add_tenant(engine, "tea", now=clock())
    other = add_tenant(engine, "coffee", now=clock())
    add_operator(engine, "root", Role.ADMIN, [shop], now=clock())
    add_operator(engine, "boss", Role.ADMIN, [other], now=clock())
    add_operator(engine, "sup", Role.SUPERVISOR, [shop], now=clock())
    admin, other_admin = (
        mint_headers(frozen_okno.order_confirm, "root"),
        mint_headers(frozen_okno.order_confirm, "boss"),
    )
    url = f"/api/v1/admin/tenants/{shop}/telephony"

    unset = api.get(url, headers=admin)
    assert unset.status_code == 200 and unset.json()["configured"] is False and unset.json()["enabled"] is False

    bad = api.put(url, json={"numbers": ["+7 495 123-45-67", "12", "+74951234567"], "ring_seconds": 1}, headers=admin)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "ring_seconds" in bad.text
    numbers = api.put(url, json={"numbers": ["+7 495 123-45-67", "123", "+74951234567"]}, headers=admin)
    assert numbers.status_code == 422
    assert {e["field"] for e in numbers.json()["errors"]} == {"numbers.1", "numbers.2"}
    no_number = api.put(url, json={"enabled": True, "numbers": []}, headers=admin)
    assert no_number.status_code == 422 and no_number.json()["errors"][0]["field"] == "numbers"
    unknown = api.put(url, json={"numbers": ["+74951234567"], "colour": "red"}, headers=admin)
    assert unknown.status_code == 422

    assert api.put(url, json={"numbers": ["+74951234567"]}, headers=admin).status_code == 200
    taken = api.put(f"/api/v1/admin/tenants/{other}/telephony", json={"numbers": ["+74951234567"]}, headers=other_admin)
    assert taken.status_code == 409 and taken.json()["code"] == "telephony_number_taken"

    assert api.get(url, headers=other_admin).status_code == 404, "another shop's admin"
    assert api.get(url, headers=mint_headers(frozen_okno.order_confirm, "sup")).status_code == 404, "not an admin"
    assert api.put(url, json={"numbers": []}, headers=other_admin).status_code == 404


def test_the_cli_sets_a_shops_telephony_and_republishes_its_projection(database_url: str, clock: FrozenClock) -> None:
    engine = make_engine(database_url)
    shop = add_tenant(engine, "tea", now=clock())
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=clock())
    add_order(engine, shop, anna, now=clock(), phone="+79161234567")
    outbox = Outbox(engine)
    env = {"OKNO_DATABASE_URL": database_url}

    wrong = CliRunner().invoke(cli.app, ["telephony", "set", "tea", "--number", "123"], env=env)
    assert wrong.exit_code == 1 and "numbers.0" in wrong.output
    done = CliRunner().invoke(cli.app, ["telephony", "set", "tea", "--number", "84951234567", "--recording"], env=env)
    assert done.exit_code == 0, done.output
    shown = CliRunner().invoke(cli.app, ["telephony", "show", "tea"], env=env)
    assert "+74951234567" in shown.output and "recording" in shown.output
    changed = CliRunner().invoke(cli.app, ["telephony", "set", "tea", "--owner-wait", "30"], env=env)
    assert changed.exit_code == 0, changed.output
    with Session(engine) as session:
        stored = session.get(TelephonySettings, shop)
        assert stored is not None and (stored.numbers, stored.recording, stored.owner_wait_seconds) == (
            ["+74951234567"],
            True,
            30,
        ), "options not given keep their values"
        unsent = session.exec(select(OutboxMessage).where(col(OutboxMessage.published_at).is_(None))).all()
    assert {row.message_type for row in unsent} >= {"telephony_settings.changed", "customer_routes.changed"}, (
        "without a runtime the rows wait for order_confirm's outbox sweep"
    )
    outbox.new()
    again = CliRunner().invoke(cli.app, ["telephony", "republish"], env=env)
    assert again.exit_code == 0 and "1 tenant(s)" in again.output and "0 change(s)" in again.output, again.output
    assert {message_type for message_type, _, _ in outbox.new()} == {
        "telephony_settings.changed",
        "operator_presence.changed",
        "customer_routes.changed",
    }
    engine.dispose()
