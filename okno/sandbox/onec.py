"""A local 1C:Enterprise server speaking the subset of the standard OData interface Okno uses.

`…/{infobase}/odata/standard.odata/{EntitySet}` and `{EntitySet}(guid'…')`, OData v3 JSON, Basic auth,
`$filter` / `$top` / `$skip` / `$orderby` / `$select` / `$expand` / `$inlinecount`, `PATCH` that replaces
tabular sections as 1C does, `odata.error` bodies. Tests and `okno run` inject latency and outages, and
read the request log to prove what reached "the ERP". The production adapter talks to it unchanged.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import threading
import time
import uuid
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from okno.sandbox.odata_query import (
    Entity,
    ODataQueryError,
    compile_filter,
    lower_bound,
    order_clauses,
    parse_filter,
    select_fields,
    sort_entities,
    sort_key,
)

_KEYED = re.compile(r"^(?P<set>[^()]+)\(guid'(?P<key>[0-9a-fA-F-]{36})'\)$")


@dataclass
class LoggedRequest:
    method: str
    entity_set: str
    key: str | None
    query: dict[str, str]
    body: dict[str, Any] | None
    status: int
    at: float = field(default_factory=time.monotonic)

    @property
    def sent(self) -> dict[str, Any]:
        """The JSON body the client sent ({} for a GET)."""
        return self.body or {}


@dataclass
class Faults:
    """What the test (or the demo operator) breaks on purpose."""

    latency_seconds: float = 0.0
    patch_latency_seconds: float = 0.0  # a slow write: the answer may come after the caller gave up
    outage: bool = False  # every request answers 503, as a 1C server behind a proxy during an update
    retry_after_seconds: int | None = None  # sent with the 503
    rejected_documents: dict[str, str] = field(default_factory=dict)  # ref key -> 1C's write error


class OneCStore:
    """The infobase: entity sets of JSON entities keyed by `Ref_Key`, plus which `*_Key` points where."""

    def __init__(self, username: str = "okno", password: str = "okno") -> None:
        self.username = username
        self.password = password
        self.sets: dict[str, dict[str, Entity]] = {}
        self.references: dict[str, str] = {}  # navigation property (field without _Key) -> entity set
        self.faults = Faults()
        self.log: list[LoggedRequest] = []
        self.in_flight: dict[str, int] = {}  # method -> requests being answered right now
        self.version = 0  # bumped by every write; invalidates the sorted views
        self._sorted: dict[tuple[str, str], tuple[int, list[Entity], list[tuple[bool, Any]]]] = {}
        self.lock = threading.RLock()

    def add(self, entity_set: str, entity: Entity) -> Entity:
        entity.setdefault("Ref_Key", str(uuid.uuid4()))
        entity.setdefault("DataVersion", _data_version())
        entity.setdefault("DeletionMark", False)
        with self.lock:
            self.sets.setdefault(entity_set, {})[entity["Ref_Key"]] = entity
            self.version += 1
        return entity

    def get(self, entity_set: str, key: str) -> Entity:
        with self.lock:
            return self.sets[entity_set][key]

    def patches(self, key: str | None = None) -> list[LoggedRequest]:
        """Successful PATCHes (of one document, or all): what actually changed the ERP."""
        with self.lock:
            return [r for r in self.log if r.method == "PATCH" and r.status == 200 and key in (None, r.key)]

    def query(self, entity_set: str, params: dict[str, str]) -> tuple[list[Entity], int | None]:
        """One page of an entity set; the total count only when `$inlinecount=allpages` asks for it."""
        node = parse_filter(params.get("$filter"))
        predicate = compile_filter(params.get("$filter"))
        ordered, first_keys = self._ordered(entity_set, params.get("$orderby"))
        start = 0
        clauses = order_clauses(params.get("$orderby"))
        if clauses and not clauses[0][1] and (bound := lower_bound(node, clauses[0][0])) is not None:
            start = bisect_left(first_keys, (True, bound))  # like an index seek on the first sort key
        skip = _int_option(params, "$skip", 0) or 0
        top = _int_option(params, "$top", None)
        counting = params.get("$inlinecount") == "allpages"
        matches: list[Entity] = []
        total = 0
        for entity in ordered[start:]:
            if not predicate(entity):
                continue
            total += 1
            if total > skip and (top is None or len(matches) < top):
                matches.append(entity)
            elif not counting and top is not None and len(matches) >= top:
                break
        return [self.shape(entity_set, e, params) for e in matches], total if counting else None

    def _ordered(self, entity_set: str, orderby: str | None) -> tuple[list[Entity], list[tuple[bool, Any]]]:
        """The set sorted by `$orderby`, cached until the set changes (the local server's "index")."""
        with self.lock:
            if entity_set not in self.sets:
                raise LookupError(entity_set)
            cached = self._sorted.get((entity_set, orderby or ""))
            if cached is not None and cached[0] == self.version:
                return cached[1], cached[2]
            rows = list(self.sets[entity_set].values())
            version = self.version
        ordered = sort_entities(rows, orderby)
        clauses = order_clauses(orderby)
        first_keys = [sort_key(e, clauses[0][0]) for e in ordered] if clauses else []
        with self.lock:
            self._sorted[(entity_set, orderby or "")] = (version, ordered, first_keys)
        return ordered, first_keys

    def shape(self, entity_set: str, entity: Entity, params: dict[str, str]) -> Entity:
        """Apply `$expand` and `$select` to one entity."""
        expanded = [name.strip() for name in params.get("$expand", "").split(",") if name.strip()]
        result = dict(entity)
        for name in expanded:
            target = self.references.get(name)
            if target is None or f"{name}_Key" not in entity:
                raise ODataQueryError(f"Свойство {name} не является навигационным для {entity_set}")
            result[name] = self.sets.get(target, {}).get(entity[f"{name}_Key"])
        return select_fields(result, params.get("$select"), expanded)

    def patch(self, entity_set: str, key: str, changes: Entity) -> Entity:
        with self.lock:
            entity = self.sets.get(entity_set, {}).get(key)
            if entity is None:
                raise LookupError(key)
            unknown = [name for name in changes if name not in entity]
            if unknown:
                raise ODataQueryError(f"Неизвестное свойство {unknown[0]} объекта {entity_set}")
            entity.update(changes)  # a tabular section in the body replaces the whole section, as in 1C
            entity["DataVersion"] = _data_version()
            self.version += 1
            return dict(entity)


def _data_version() -> str:
    return base64.b64encode(secrets.token_bytes(8)).decode()[:11] + "="


def _int_option(params: dict[str, str], name: str, default: int | None) -> int | None:
    if name not in params:
        return default
    try:
        value = int(params[name])
    except ValueError:
        raise ODataQueryError(f"Неверное значение параметра {name}") from None
    if value < 0:
        raise ODataQueryError(f"Неверное значение параметра {name}")
    return value


def odata_error(status: int, code: str, message: str) -> JSONResponse:
    body = {"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}
    return JSONResponse(body, status_code=status)


def _authorized(store: OneCStore, request: Request) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return False
    return secrets.compare_digest(f"{user}:{password}", f"{store.username}:{store.password}")


def create_app(store: OneCStore) -> Starlette:
    async def resource(request: Request) -> Response:
        path = unquote(request.path_params["resource"])
        keyed = _KEYED.match(path)
        entity_set, key = (keyed["set"], keyed["key"].lower()) if keyed else (path, None)
        params = dict(request.query_params)
        body: dict[str, Any] | None = None
        if request.method == "PATCH":
            try:
                body = await request.json()
            except ValueError:
                body = None
        delay = store.faults.latency_seconds + (store.faults.patch_latency_seconds if request.method == "PATCH" else 0)
        with store.lock:
            store.in_flight[request.method] = store.in_flight.get(request.method, 0) + 1
        try:
            if delay:
                await asyncio.sleep(delay)
            response = _answer(store, request, entity_set, key, params=params, body=body)
        finally:
            with store.lock:
                store.in_flight[request.method] -= 1
        with store.lock:
            store.log.append(LoggedRequest(request.method, entity_set, key, params, body, response.status_code))
        return response

    route = "/{infobase}/odata/standard.odata/{resource:path}"
    return Starlette(routes=[Route(route, resource, methods=["GET", "PATCH"])])


def _answer(
    store: OneCStore, request: Request, entity_set: str, key: str | None, *, params: dict[str, str], body: Any
) -> Response:
    if store.faults.outage:
        headers = {"Retry-After": str(store.faults.retry_after_seconds)} if store.faults.retry_after_seconds else None
        response = odata_error(503, "-1", "Сервис временно недоступен: информационная база заблокирована")
        response.headers.update(headers or {})
        return response
    if not _authorized(store, request):
        response = odata_error(401, "-1", "Ошибка аутентификации")
        response.headers["WWW-Authenticate"] = 'Basic realm="1C:Enterprise"'
        return response
    metadata = f"{str(request.base_url).rstrip('/')}/{request.path_params['infobase']}/odata/standard.odata/$metadata"
    try:
        if request.method == "PATCH":
            if key is None or not isinstance(body, dict):
                return odata_error(400, "14", "Неверный формат тела запроса")
            if key in store.faults.rejected_documents:
                return odata_error(400, "15", store.faults.rejected_documents[key])
            entity = store.patch(entity_set, key, body)
            return JSONResponse({"odata.metadata": f"{metadata}#{entity_set}/@Element", **entity})
        if key is not None:
            with store.lock:
                found = store.sets.get(entity_set, {}).get(key)
            if found is None:
                return odata_error(404, "6", f"Не найден объект {entity_set} с ключом {key}")
            entity = store.shape(entity_set, found, params)
            return JSONResponse({"odata.metadata": f"{metadata}#{entity_set}/@Element", **entity})
        rows, total = store.query(entity_set, params)
    except ODataQueryError as error:
        return odata_error(400, "9", str(error))
    except LookupError:
        return odata_error(404, "6", f"Не найден объект {entity_set}{'' if key is None else f' ({key})'}")
    page: dict[str, Any] = {"odata.metadata": f"{metadata}#{entity_set}", "value": rows}
    if total is not None:
        page["odata.count"] = str(total)
    return JSONResponse(page)


@contextmanager
def serve(store: OneCStore, *, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Run the server on a real socket in a thread; yields the OData base URL of infobase `trade`."""
    config = uvicorn.Config(create_app(store), host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="onec-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the local 1C server did not start")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}/trade/odata/standard.odata/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
