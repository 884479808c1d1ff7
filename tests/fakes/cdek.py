"""A local CDEK API v2: OAuth2 client credentials, tariff list, asynchronous order creation, order status.

Tokens expire (`token_seconds`) and an expired or unknown token answers 401, as CDEK does. An order is
accepted with `requests[0].state = ACCEPTED`; the next read shows the CREATE request SUCCESSFUL (or
INVALID for a repeated `number`). `status_webhook` builds the ORDER_STATUS body CDEK posts.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass
class FakeCdek:
    client_id: str = "okno-cdek-client"
    client_secret: str = "okno-cdek-secret"
    token_seconds: int = 3600
    # Tariffs offered to every address; an address in `unserved_cities` gets only the non-same-day ones.
    tariffs: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "tariff_code": 480,
                "tariff_name": "Экспресс день в день",
                "delivery_sum": 450.0,
                "period_min": 0,
                "period_max": 0,
                "delivery_mode": 1,
            },
            {
                "tariff_code": 137,
                "tariff_name": "Посылка склад-дверь",
                "delivery_sum": 290.0,
                "period_min": 2,
                "period_max": 4,
                "delivery_mode": 3,
            },
        ]
    )
    same_day_codes: frozenset[int] = frozenset({480})
    unserved_cities: set[str] = field(default_factory=set)
    tokens: dict[str, float] = field(default_factory=dict)
    tokens_issued: int = 0
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    numbers: set[str] = field(default_factory=set)
    tariff_requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app(self) -> FastAPI:
        app = FastAPI()
        app.post("/v2/oauth/token")(self._token)
        app.post("/v2/calculator/tarifflist")(self._tarifflist)
        app.post("/v2/orders")(self._create_order)
        app.get("/v2/orders/{order_uuid}")(self._get_order)
        return app

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def set_status(self, order_uuid: str, code: str, reason_code: str | None = None) -> dict[str, Any]:
        """The courier moved the order on; returns the ORDER_STATUS webhook body CDEK would post."""
        with self.lock:
            order = self.orders[order_uuid]
            status = {"code": code, "name": code.title(), "date_time": _now(), "city": "Москва"}
            if reason_code:
                status["reason_code"] = reason_code
            order["entity"]["statuses"].insert(0, status)  # CDEK lists the newest status first
            number = order["entity"].get("cdek_number")
        attributes = {
            "is_return": False,
            "cdek_number": number,
            "code": code,
            "status_code": code,
            "status_date_time": _now(),
            "city_name": "Москва",
        }
        if reason_code:
            attributes["status_reason_code"] = reason_code
        return {"type": "ORDER_STATUS", "date_time": _now(), "uuid": order_uuid, "attributes": attributes}

    async def _token(self, request: Request) -> JSONResponse:
        fields = dict(request.query_params) | dict(await request.form())
        if fields.get("grant_type") != "client_credentials" or (
            fields.get("client_id"),
            fields.get("client_secret"),
        ) != (
            self.client_id,
            self.client_secret,
        ):
            return JSONResponse({"error": "invalid_client", "error_description": "Bad credentials"}, status_code=401)
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.monotonic() + self.token_seconds
            self.tokens_issued += 1
        return JSONResponse(
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.token_seconds,
                "scope": "order:all",
                "jti": str(uuid.uuid4()),
            }
        )

    async def _tarifflist(self, request: Request) -> JSONResponse:
        problem = self._auth(request)
        if problem:
            return problem
        body = await request.json()
        with self.lock:
            self.tariff_requests.append(body)
        city = str((body.get("to_location") or {}).get("city") or "")
        offered = [
            t for t in self.tariffs if not (city in self.unserved_cities and t["tariff_code"] in self.same_day_codes)
        ]
        return JSONResponse({"tariff_codes": offered})

    async def _create_order(self, request: Request) -> JSONResponse:
        problem = self._auth(request)
        if problem:
            return problem
        body = await request.json()
        missing = [f for f in ("tariff_code", "recipient", "to_location", "packages") if f not in body]
        if missing:
            return JSONResponse(
                {
                    "requests": [
                        {
                            "type": "CREATE",
                            "state": "INVALID",
                            "errors": [{"code": "v2_field_is_empty", "message": f"{missing[0]} is empty"}],
                        }
                    ]
                },
                status_code=400,
            )
        order_uuid = str(uuid.uuid4())
        with self.lock:
            duplicate = body.get("number") in self.numbers
            self.numbers.add(str(body.get("number")))
            self.orders[order_uuid] = {
                "entity": {"uuid": order_uuid, "number": body.get("number"), "statuses": []},
                "request": body,
                "state": "ACCEPTED",
                "final_state": "INVALID" if duplicate else "SUCCESSFUL",
            }
        return JSONResponse(
            {
                "entity": {"uuid": order_uuid},
                "requests": [
                    {"request_uuid": str(uuid.uuid4()), "type": "CREATE", "date_time": _now(), "state": "ACCEPTED"}
                ],
            },
            status_code=202,
        )

    async def _get_order(self, order_uuid: str, request: Request) -> JSONResponse:
        problem = self._auth(request)
        if problem:
            return problem
        with self.lock:
            order = self.orders.get(order_uuid)
            if order is None:
                return JSONResponse(
                    {"requests": [{"state": "INVALID", "errors": [{"code": "v2_entity_not_found"}]}]}, status_code=404
                )
            # CDEK finishes registering an order shortly after accepting it; here: by the first read.
            if order["state"] == "ACCEPTED":
                order["state"] = order["final_state"]
                if order["state"] == "SUCCESSFUL":
                    order["entity"]["cdek_number"] = str(1_000_000_000 + len(self.orders))
                    order["entity"]["statuses"].append({"code": "CREATED", "name": "Создан", "date_time": _now()})
            request_state: dict[str, Any] = {"type": "CREATE", "state": order["state"], "date_time": _now()}
            if order["state"] == "INVALID":
                request_state["errors"] = [{"code": "v2_order_number_duplicate", "message": "Order number exists"}]
            return JSONResponse({"entity": order["entity"], "requests": [request_state]})

    def _auth(self, request: Request) -> JSONResponse | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self.lock:
            expires = self.tokens.get(token)
        if expires is None or expires < time.monotonic():
            return JSONResponse({"errors": [{"code": "v2_token_expired", "message": "Token expired"}]}, status_code=401)
        return None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
