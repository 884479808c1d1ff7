from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    """`OKNO_NOTIFY_<NAME>`, falling back to `OKNO_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="OKNO_NOTIFY_", extra="ignore")
