"""The keys that seal secrets at rest, as configured: parsed here, below both the settings that validate them
and `encryption` that uses them (so neither imports the other's module to check a value)."""

from __future__ import annotations

from cryptography.fernet import Fernet

KEYS_VARIABLE = "OKNO_SECRET_KEYS"


def parse_keys(value: str, *, source: str) -> tuple[str, ...]:
    """Comma-, space- or line-separated Fernet keys; ValueError names the position of a malformed one."""
    keys = tuple(part for part in value.replace(",", " ").split() if part)
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(
                f"key {position} of {source} is not a Fernet key (okno secrets new-key makes one)"
            ) from None
    return keys
