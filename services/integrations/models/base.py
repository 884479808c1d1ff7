"""This service's own SQLModel metadata (services never share tables)."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from services.common.naming import NAMING_CONVENTION

SERVICE = "integrations"  # whose keyring seals this service's secret columns


class IntegrationsModel(SQLModel, registry=registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))):
    pass


metadata = IntegrationsModel.metadata
