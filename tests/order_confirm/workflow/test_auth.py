"""Logging in, staying logged in, logging out, and being locked out after guessing passwords."""

from __future__ import annotations

from typing import Literal

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from okno.embedded import Okno
from services.order_confirm import app as order_confirm_app
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import AuditEntry
from tests.order_confirm.workflow.world import PASSWORD, add_operator, add_tenant
from tests.support import FrozenClock, live_server


def _password_login(api: TestClient | httpx.Client, login: str, password: str) -> httpx.Response:
    response: httpx.Response = api.post("/api/v1/auth/token", data={"username": login, "password": password})
    return response


def test_operator_logs_in_sees_who_they_are_and_the_token_expires(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock())

    response = _password_login(api, "olga", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["operator"]["login"] == "olga"
    headers = {"Authorization": f"Bearer {body['access_token']}"}

    me = api.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["role"] == "operator"
    assert me.json()["tenant_ids"] == [tenant]

    clock.advance(minutes=16)
    expired = api.get("/api/v1/auth/me", headers=headers)
    assert expired.status_code == 401
    assert expired.headers["content-type"] == "application/problem+json"
    assert expired.json()["code"] == "invalid_token"

    assert api.get("/api/v1/auth/me").status_code == 401
    forged = api.get("/api/v1/auth/me", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
    assert forged.json()["code"] == "invalid_token"

    refreshed = api.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200
    again = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"})
    assert again.status_code == 200


def test_logout_ends_the_access_token_and_the_refresh_token(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    add_operator(engine, "olga", Role.OPERATOR, [add_tenant(engine, "acme", now=clock())], now=clock())
    body = _password_login(api, "olga", PASSWORD).json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}

    assert api.post("/api/v1/auth/logout", headers=headers).status_code == 204

    assert api.get("/api/v1/auth/me", headers=headers).status_code == 401
    refused = api.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_refresh_token"


def test_a_stolen_refresh_token_used_after_rotation_ends_the_whole_login(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    add_operator(engine, "olga", Role.OPERATOR, [add_tenant(engine, "acme", now=clock())], now=clock())
    first = _password_login(api, "olga", PASSWORD).json()
    clock.advance(minutes=10)
    second = api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()

    clock.advance(minutes=5)
    replayed = api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replayed.status_code == 401

    # The legitimate holder's newer tokens are dead too: the login was ended, not just the old token.
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401
    me = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 401


def _from(url: str, address: str) -> httpx.Client:
    """A client whose connections really come from `address` (any 127.x address is this machine)."""
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address), timeout=30)


def _refusal(response: httpx.Response) -> tuple[int, str, str, str, str]:
    body = response.json()
    return (response.status_code, response.headers["content-type"], body["code"], body["title"], body["detail"])


def test_wrong_passwords_lock_the_account_only_for_the_guessing_address(frozen_okno: Okno, clock: FrozenClock) -> None:
    frozen_okno.order_confirm.settings.lockout_after_failures = 3  # default 5; fewer slow argon2 checks
    engine = frozen_okno.order_confirm.engine
    olga = add_operator(engine, "olga", Role.OPERATOR, [add_tenant(engine, "acme", now=clock())], now=clock())
    app = order_confirm_app.create_app(frozen_okno.order_confirm)
    with live_server(app) as url, _from(url, "127.0.0.2") as mallory, _from(url, "127.0.0.3") as office:
        unknown = _refusal(_password_login(mallory, "nobody", "guess"))
        for _ in range(3):
            assert _refusal(_password_login(mallory, "olga", "guess")) == unknown
        # Locked for mallory's address, even against the right password, and it looks like anything else.
        assert _refusal(_password_login(mallory, "olga", PASSWORD)) == unknown
        assert unknown[:3] == (401, "application/problem+json", "invalid_credentials")

        # Olga, elsewhere, is not locked out by someone else's guessing.
        assert _password_login(office, "olga", PASSWORD).status_code == 200

        # A guesser who keeps trying stays locked; one who stops is let in after the lockout period.
        clock.advance(minutes=14)
        assert _password_login(mallory, "olga", PASSWORD).status_code == 401
        clock.advance(minutes=16)
        assert _password_login(mallory, "olga", PASSWORD).status_code == 200
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "operator.locked")).all()
        assert [(entry.entity_id, (entry.after or {}).get("client_ip")) for entry in entries] == [
            (str(olga), "127.0.0.2")
        ]


def test_a_locked_account_and_an_unknown_login_do_the_same_hash_work(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    """Timing equality is proven by work, not by a stopwatch (a loaded machine makes timings noise): every
    401 path — wrong password, unknown login, locked account — runs exactly one argon2 verification."""
    from argon2 import PasswordHasher

    from services.order_confirm.security import passwords

    class CountingHasher(PasswordHasher):
        verifications = 0

        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            CountingHasher.verifications += 1
            return super().verify(hash, password)

    frozen_okno.order_confirm.settings.lockout_after_failures = 2
    engine = frozen_okno.order_confirm.engine
    previous, passwords._hasher = passwords._hasher, CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        add_operator(engine, "olga", Role.OPERATOR, [add_tenant(engine, "acme", now=clock())], now=clock())

        def verifications_of(login: str, password: str) -> int:
            before = CountingHasher.verifications
            assert _password_login(api, login, password).status_code == 401
            return CountingHasher.verifications - before

        wrong = [verifications_of("olga", "guess") for _ in range(2)]  # the second one locks the account
        locked, unknown = verifications_of("olga", PASSWORD), verifications_of("nobody", PASSWORD)
    finally:
        passwords._hasher = previous
    assert wrong == [1, 1] and locked == 1 and unknown == 1, (wrong, locked, unknown)


def test_guessing_many_logins_from_one_address_is_rate_limited(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    frozen_okno.order_confirm.settings.login_rate_limit = 4  # default 20; fewer slow argon2 checks
    engine = frozen_okno.order_confirm.engine
    add_operator(engine, "olga", Role.OPERATOR, [add_tenant(engine, "acme", now=clock())], now=clock())
    for n in range(4):
        assert _password_login(api, f"nobody-{n}", "guess").status_code == 401

    limited = _password_login(api, "olga", PASSWORD)
    assert limited.status_code == 429
    assert limited.json()["code"] == "too_many_logins"

    clock.advance(seconds=61)
    assert _password_login(api, "olga", PASSWORD).status_code == 200
