"""Which ERP adapter serves a connection (by `ErpConnection.kind`): the only module that imports an ERP module."""

from __future__ import annotations

from typing import Any, Protocol

from services.integrations.adapters.erp.base import ErpAdapter


class ErpEndpoint(Protocol):
    """How to reach an ERP: an `ErpConnection`, or its copy in a pull's read-ahead process (which has no
    database, and starts faster without the models)."""

    @property
    def kind(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def mapping(self) -> dict[str, Any]: ...


class UnknownErpKind(ValueError):
    pass


def adapter_for(connection: ErpEndpoint, *, timeout_seconds: float = 15.0) -> ErpAdapter:
    if connection.kind == "onec_odata":
        from services.integrations.adapters.erp.onec import OneCODataAdapter
        from services.integrations.adapters.erp.onec_mapping import OneCMapping

        return OneCODataAdapter(
            connection.base_url,
            connection.username,
            connection.password,
            OneCMapping.model_validate(connection.mapping),
            timeout_seconds=timeout_seconds,
        )
    raise UnknownErpKind(f"no ERP adapter of kind {connection.kind!r}")


def normalized_mapping(kind: str, mapping: dict[str, Any]) -> dict[str, Any]:
    """The field mapping as the `kind` adapter reads it, defaults filled in (pydantic ValidationError if invalid)."""
    if kind == "onec_odata":
        from services.integrations.adapters.erp.onec_mapping import OneCMapping

        return OneCMapping.model_validate(mapping).model_dump(mode="json")
    raise UnknownErpKind(f"no ERP adapter of kind {kind!r}")
