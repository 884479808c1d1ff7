"""Password login, refresh-token rotation, logout, lockout per (account, address) and the login rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from services.common.problems import DomainError, Unauthorized
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import AuthSession, LoginAttempt, Operator
from services.order_confirm.security import tokens
from services.order_confirm.security.passwords import dummy_hash, verify_password
from services.order_confirm.service import audit
from services.order_confirm.settings import OrderConfirmSettings

# A refresh token presented again this soon after it was rotated is most likely two browser tabs racing,
# not a stolen token: refuse it without ending the login.
REFRESH_RACE_GRACE = timedelta(seconds=30)
LOGIN_ENDED = "The login has ended; log in again."
NO_TOKEN = "Log in and send `Authorization: Bearer <access_token>`."


class InvalidCredentials(Unauthorized):
    # The one refusal for an unknown login, a disabled account, a wrong password and a locked-out address:
    # none of them may tell a guesser which accounts exist or which of them it has locked.
    code, title = "invalid_credentials", "Wrong login or password"


class TooManyLogins(DomainError):
    status, code, title = 429, "too_many_logins", "Too many login attempts from this address"


class InvalidRefreshToken(Unauthorized):
    code, title = "invalid_refresh_token", "The refresh token is not valid"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_in: int
    refresh_token: str
    refresh_expires_in: int
    operator: Operator


@dataclass(frozen=True)
class Client:
    ip: str
    user_agent: str | None


def login(
    session: Session, settings: OrderConfirmSettings, *, now: datetime, login: str, password: str, client: Client
) -> TokenPair | DomainError:
    """Check a password; the refusal is returned, not raised, so its bookkeeping commits with the attempt."""
    if _failures_from_address(session, settings, client.ip, now) >= settings.login_rate_limit:
        return TooManyLogins(
            f"At most {settings.login_rate_limit} failed logins per "
            f"{settings.login_rate_window_seconds} s from one address; try again later.",
            retry_after=settings.login_rate_window_seconds,
        )
    login = login[:64]
    locked = _failures_in_a_row(session, settings, login, client.ip, now) >= settings.lockout_after_failures
    operator = session.exec(select(Operator).where(Operator.login == login).with_for_update()).first()
    # Every path verifies a hash (a dummy one for an unknown login) so they all take the same time.
    password_ok = verify_password(operator.password_hash if operator else dummy_hash(), password)
    attempt = LoginAttempt(login=login, client_ip=client.ip[:64], succeeded=False, attempted_at=now)
    session.add(attempt)
    if locked or operator is None or not operator.active or not password_ok:
        # Counted for unknown logins too, so that path costs the same queries as a real account's.
        if not locked and _locks_now(session, settings, login, client.ip, now) and operator is not None:
            _audit_lock(session, settings, operator, client, now)
        return InvalidCredentials("Wrong login or password.")
    attempt.succeeded = True
    return open_session(session, settings, operator, now, client)


def _failures_from_address(session: Session, settings: OrderConfirmSettings, ip: str, now: datetime) -> int:
    window_start = now - timedelta(seconds=settings.login_rate_window_seconds)
    return session.exec(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.client_ip == ip[:64],
            col(LoginAttempt.succeeded).is_(False),
            col(LoginAttempt.attempted_at) >= window_start,
        )
    ).one()


def _failures_in_a_row(session: Session, settings: OrderConfirmSettings, login: str, ip: str, now: datetime) -> int:
    """Failed logins to `login` from `ip` within the lockout period and since its last success from there.

    The lock is per (account, address), as mature identity servers do it: a guesser locks the account only
    for its own address, so nobody can lock an operator out on purpose. Attempts made while locked count too,
    so a guesser that keeps trying stays locked.
    """
    this_pair = (LoginAttempt.login == login, LoginAttempt.client_ip == ip[:64])
    since = now - timedelta(minutes=settings.lockout_minutes)
    last_success = session.exec(
        select(func.max(LoginAttempt.attempted_at)).where(*this_pair, col(LoginAttempt.succeeded).is_(True))
    ).one()
    if last_success is not None and _aware(last_success) > since:
        since = _aware(last_success)
    return session.exec(
        select(func.count())
        .select_from(LoginAttempt)
        .where(*this_pair, col(LoginAttempt.succeeded).is_(False), col(LoginAttempt.attempted_at) > since)
    ).one()


def _aware(moment: datetime) -> datetime:
    # func.max() bypasses the column type, so SQLite hands back a naive (UTC) datetime.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _locks_now(session: Session, settings: OrderConfirmSettings, login: str, ip: str, now: datetime) -> bool:
    session.flush()  # the attempt just added counts
    return _failures_in_a_row(session, settings, login, ip, now) == settings.lockout_after_failures


def _audit_lock(
    session: Session, settings: OrderConfirmSettings, operator: Operator, client: Client, now: datetime
) -> None:
    audit.record(
        session,
        now=now,
        actor="system:auth",
        action="operator.locked",
        entity="operator",
        entity_id=operator.id or 0,
        tenant_id=None,
        after={
            "client_ip": client.ip[:64],
            "locked_until": (now + timedelta(minutes=settings.lockout_minutes)).isoformat(),
        },
    )


def open_session(
    session: Session, settings: OrderConfirmSettings, operator: Operator, now: datetime, client: Client
) -> TokenPair:
    refresh_token = tokens.new_refresh_token()
    auth_session = AuthSession(
        id=tokens.new_session_id(),
        operator_id=operator.id or 0,
        refresh_hash=tokens.refresh_token_hash(refresh_token),
        created_at=now,
        last_refreshed_at=now,
        expires_at=now + timedelta(days=settings.refresh_token_days),
        client_ip=client.ip[:64],
        user_agent=(client.user_agent or "")[:300] or None,
    )
    session.add(auth_session)
    return _pair(settings, operator, auth_session, refresh_token, now)


def _pair(
    settings: OrderConfirmSettings, operator: Operator, auth_session: AuthSession, refresh_token: str, now: datetime
) -> TokenPair:
    lifetime = timedelta(minutes=settings.access_token_minutes)
    access = tokens.issue_access_token(
        secret=settings.jwt_secret,
        operator_id=operator.id or 0,
        role=Role(operator.role),
        session_id=auth_session.id,
        now=now,
        lifetime=lifetime,
    )
    return TokenPair(
        access_token=access,
        access_expires_in=int(lifetime.total_seconds()),
        refresh_token=refresh_token,
        refresh_expires_in=int((auth_session.expires_at - now).total_seconds()),
        operator=operator,
    )


def refresh(
    session: Session, settings: OrderConfirmSettings, *, now: datetime, refresh_token: str
) -> TokenPair | DomainError:
    """Rotate a refresh token. Presenting an already-rotated one ends the whole login (it may be stolen)."""
    presented = tokens.refresh_token_hash(refresh_token)
    auth_session = session.exec(
        select(AuthSession).where(AuthSession.refresh_hash == presented).with_for_update()
    ).first()
    if auth_session is None:
        return _refuse_reused(session, presented, now)
    operator = session.get(Operator, auth_session.operator_id)
    if auth_session.revoked_at is not None or auth_session.expires_at <= now or operator is None or not operator.active:
        return InvalidRefreshToken("The login has ended; log in again.")
    new_token = tokens.new_refresh_token()
    auth_session.previous_refresh_hash = presented
    auth_session.refresh_hash = tokens.refresh_token_hash(new_token)
    auth_session.last_refreshed_at = now
    session.add(auth_session)
    return _pair(settings, operator, auth_session, new_token, now)


def _refuse_reused(session: Session, presented: str, now: datetime) -> InvalidRefreshToken:
    rotated = session.exec(
        select(AuthSession).where(AuthSession.previous_refresh_hash == presented).with_for_update()
    ).first()
    if rotated is None or rotated.revoked_at is not None:
        return InvalidRefreshToken("Unknown refresh token; log in again.")
    if now - rotated.last_refreshed_at <= REFRESH_RACE_GRACE:
        return InvalidRefreshToken("This refresh token was just rotated; use the newest one.")
    rotated.revoked_at = now
    rotated.revoked_reason = "refresh_token_reuse"
    session.add(rotated)
    audit.record(
        session,
        now=now,
        actor="system:auth",
        action="auth_session.revoked",
        entity="operator",
        entity_id=rotated.operator_id,
        tenant_id=None,
        after={"reason": "refresh_token_reuse", "session": rotated.id},
    )
    return InvalidRefreshToken("This refresh token was already used; the login has been ended for safety.")


def logout(session: Session, *, session_id: str, now: datetime) -> None:
    auth_session = session.get(AuthSession, session_id)
    if auth_session is not None and auth_session.revoked_at is None:
        auth_session.revoked_at = now
        auth_session.revoked_reason = "logout"
        session.add(auth_session)


def access_claims(settings: OrderConfirmSettings, *, token: str | None, now: datetime) -> tokens.AccessClaims:
    """What a bearer token says, if its signature and expiry hold; the login session is checked separately."""
    if not token:
        raise tokens.InvalidToken(NO_TOKEN)
    return tokens.read_access_token(token, secret=settings.jwt_secret, now=now)


def authenticate(session: Session, settings: OrderConfirmSettings, *, token: str | None, now: datetime) -> Operator:
    """The operator behind a bearer token, if the token is valid and its login session is still open."""
    claims = access_claims(settings, token=token, now=now)
    auth_session = session.get(AuthSession, claims.session_id)
    if auth_session is None or auth_session.revoked_at is not None or auth_session.operator_id != claims.operator_id:
        raise tokens.InvalidToken(LOGIN_ENDED)
    operator = session.get(Operator, claims.operator_id)
    if operator is None or not operator.active:
        raise tokens.InvalidToken("The account is disabled.")
    return operator
