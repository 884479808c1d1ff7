"""notify's own SQLModel base and metadata (services never share tables); every capability package defines its
tables on it, and `services.notify.models` imports them all so `metadata` (and Alembic) sees every one."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from services.common.naming import NAMING_CONVENTION


class NotifyModel(SQLModel, registry=registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))):
    pass


metadata = NotifyModel.metadata
