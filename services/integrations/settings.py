from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class IntegrationsSettings(ServiceSettings):
    """`OKNO_INTEGRATIONS_<NAME>`, falling back to `OKNO_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="OKNO_INTEGRATIONS_", extra="ignore")
