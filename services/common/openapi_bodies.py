"""Bodies a route reads itself, put into the app's OpenAPI components so the document can name them.

A webhook checks its signature over the raw bytes before parsing, so its route takes no body model FastAPI
could see. `document_bodies` adds those models (and every model they use) to `components/schemas`, where the
route's `openapi_extra` refers to them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

REF_TEMPLATE = "#/components/schemas/{model}"


def add_body_schemas(document: dict[str, Any], models: tuple[type[BaseModel], ...]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in models:
        schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode="validation")
        for name, definition in {**schema.pop("$defs", {}), model.__name__: schema}.items():
            if schemas.setdefault(name, definition) != definition:
                raise ValueError(f"two different schemas named {name!r} in {document.get('info', {}).get('title')}")


def document_bodies(app: FastAPI, *models: type[BaseModel]) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_body_schemas(build(), models)  # `build` caches the document it returns in `app.openapi_schema`
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
