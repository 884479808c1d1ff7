"""ERP adapters: pull orders that wait for confirmation, push outcomes back. Chosen by `ErpConnection.kind`."""

from __future__ import annotations

from services.integrations.adapters.erp.base import ErpAdapter
from services.integrations.models.erp import ErpConnection


class UnknownErpKind(ValueError):
    pass


def adapter_for(connection: ErpConnection, *, timeout_seconds: float = 15.0) -> ErpAdapter:
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
