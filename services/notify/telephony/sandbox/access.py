"""Who a sandbox softphone request is: the identity in its sandbox access token (a Twilio-format JWT).

The token is the one `POST …/telephony/tokens` minted with this installation's sandbox API key
(`telephony/sandbox/__init__.py`), so only order_confirm — which checked who is signed in — can hand one
out, and its identity (`operator_<id>`) is whose calls the stream rings and which legs it may touch.
"""

from __future__ import annotations

from datetime import UTC, datetime

import jwt

from services.notify.telephony.sandbox.credentials import SandboxCredentials


class InvalidAccessToken(Exception):
    pass


def token_identity(credentials: SandboxCredentials, token: str) -> tuple[str, datetime]:
    """The token's identity and expiry; `InvalidAccessToken` unless this installation's and unexpired.

    Twilio's tokens carry the wall clock's time (`twilio.jwt` reads `time.time()`), so they are checked
    against it too, as Twilio checks them."""
    try:
        claims = jwt.decode(token, credentials.api_key_secret, algorithms=["HS256"], issuer=credentials.api_key_sid)
    except jwt.ExpiredSignatureError:
        raise InvalidAccessToken("the access token has expired") from None
    except jwt.PyJWTError:
        raise InvalidAccessToken("not an access token of this installation") from None
    grants = claims.get("grants")
    if not isinstance(grants, dict):
        raise InvalidAccessToken("the access token has no grants")
    identity = grants.get("identity")
    if not isinstance(identity, str) or not identity or not isinstance(grants.get("voice"), dict):
        raise InvalidAccessToken("the access token has no voice grant")
    return identity, datetime.fromtimestamp(int(claims["exp"]), UTC)
