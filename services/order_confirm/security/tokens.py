"""Access tokens (short-lived JWTs signed with `jwt_secret`) and opaque refresh tokens (stored hashed).

An access token names its login session (`sid`); the session row is checked on every request, so logout
and refresh-token reuse end every token of that login at once, not when the JWT happens to expire.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from services.common.problems import Unauthorized
from services.order_confirm.domain.vocabulary import Role

ALGORITHM = "HS256"
ISSUER = "okno.order_confirm"
ACCESS_TOKEN_TYPE = "access"


class InvalidToken(Unauthorized):
    code = "invalid_token"
    title = "The access token is missing, expired or revoked"


@dataclass(frozen=True)
class AccessClaims:
    operator_id: int
    role: Role
    session_id: str
    expires_at: datetime


def issue_access_token(
    *, secret: str, operator_id: int, role: Role, session_id: str, now: datetime, lifetime: timedelta
) -> str:
    claims = {
        "iss": ISSUER,
        "sub": str(operator_id),
        "role": role.value,
        "sid": session_id,
        "typ": ACCESS_TOKEN_TYPE,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_access_token(token: str, *, secret: str, now: datetime) -> AccessClaims:
    """Verify signature, issuer and expiry against `now` (the runtime's clock, so tests can freeze it)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            # Time is checked below against the runtime's clock, not the wall clock PyJWT would use.
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "require": ["exp", "sub", "sid", "role", "typ"],
            },
        )
        expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo)
        if claims["typ"] != ACCESS_TOKEN_TYPE:
            raise InvalidToken(_EXPIRED)
        return _unexpired(AccessClaims(int(claims["sub"]), Role(claims["role"]), str(claims["sid"]), expires_at), now)
    except InvalidToken:
        raise
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        raise InvalidToken("The access token is not valid.") from None


_EXPIRED = "The access token has expired; refresh it or log in again."


def _unexpired(claims: AccessClaims, now: datetime) -> AccessClaims:
    if claims.expires_at <= now:
        raise InvalidToken(_EXPIRED)
    return claims


class VerifiedTokens:
    """`read_access_token` that remembers the tokens whose signature it has verified: checking a JWT (HMAC,
    base64, JSON) costs more CPU than the rest of a claim. A token's claims never change, so remembering
    them is safe; the expiry is checked against `now` on every read, and whether the login is still open is
    the caller's check as always. Bounded: forgets everything when full (tokens live 15 minutes)."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._known: dict[tuple[str, str], AccessClaims] = {}

    def read(self, token: str, *, secret: str, now: datetime) -> AccessClaims:
        known = self._known.get((secret, token))
        if known is not None:
            return _unexpired(known, now)
        claims = read_access_token(token, secret=secret, now=now)
        if len(self._known) >= self.capacity:
            self._known.clear()
        self._known[(secret, token)] = claims
        return claims


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def new_session_id() -> str:
    return secrets.token_hex(16)


def refresh_token_hash(token: str) -> str:
    # Refresh tokens are 256 random bits, so a plain SHA-256 (no salt, no stretching) is enough to index them.
    return hashlib.sha256(token.encode()).hexdigest()
