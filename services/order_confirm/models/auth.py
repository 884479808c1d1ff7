"""Server-side auth state: login sessions (refresh tokens, so logout and rotation work) and login attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from services.common.types import utc_field
from services.order_confirm.models.base import OrderConfirmModel


class AuthSession(OrderConfirmModel, table=True):
    """One login: access tokens carry its id, so revoking it (logout, refresh-token reuse) ends them all."""

    __tablename__ = "auth_sessions"

    id: str = Field(primary_key=True, max_length=32)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    # Only hashes are stored: a database leak must not hand out live refresh tokens.
    refresh_hash: str = Field(max_length=64, unique=True)
    previous_refresh_hash: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = utc_field()
    last_refreshed_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True, default=None)
    revoked_reason: str | None = Field(default=None, max_length=40)
    client_ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class LoginAttempt(OrderConfirmModel, table=True):
    """Every password login, kept for the rate limit (per client address), the lockout (per account and
    address) and for investigations."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_ip_time", "client_ip", "attempted_at"),
        Index("ix_login_attempts_login_ip_time", "login", "client_ip", "attempted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64)
    client_ip: str = Field(max_length=64)
    succeeded: bool
    attempted_at: datetime = utc_field()
