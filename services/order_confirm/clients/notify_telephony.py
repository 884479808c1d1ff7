"""order_confirm's client of notify's internal telephony endpoints (docs/telephony.md "Internal HTTP").

notify holds every Twilio credential; order_confirm authorizes the operator first and then asks notify with
the service token. Synchronous on purpose, like the integrations client: the routes that use it are sync
(threadpool) and commit their reads before calling, so in `okno run` the loopback call into the same
process neither blocks the event loop serving it nor waits on a database lock the caller holds.

notify's problems keep their status and `code` (`telephony_unavailable` with its `Retry-After`,
`capability_not_configured`, `line_busy` …) so the console can tell them apart; a notify that cannot be
reached at all is `telephony_unavailable` too, since for the operator it is the same: dial by hand.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel

from contracts.http import telephony as wire
from contracts.telephony import CallSnapshot
from services.common.problems import DomainError
from services.order_confirm.settings import OrderConfirmSettings

_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# Audio is relayed as it arrives; a slow reader (the browser pauses playback) may leave the stream idle.
_AUDIO_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=30.0, pool=5.0)
_RETRY_AFTER_UNREACHABLE = 5
# The only answer headers of an audio stream that reach the browser; nothing else notify (or Twilio) says.
AUDIO_HEADERS = ("content-type", "content-length", "content-range", "accept-ranges")


class TelephonyUnavailable(DomainError):
    status, code, title = 503, wire.ProblemCode.TELEPHONY_UNAVAILABLE.value, "Telephony is unreachable right now"


class TelephonyProblem(DomainError):
    """A problem answered by notify, passed on with its own status, code and `Retry-After`."""

    def __init__(self, status: int, body: dict[str, Any], retry_after: str | None = None) -> None:
        extra = {k: v for k, v in body.items() if k not in ("type", "title", "status", "detail", "code", "instance")}
        if retry_after and retry_after.isdigit():
            extra["retry_after"] = int(retry_after)
        super().__init__(str(body.get("detail") or body.get("title") or "notify refused"), **extra)
        self.status = status
        self.code = str(body.get("code") or "telephony_error")
        self.title = str(body.get("title") or "Telephony refused the request")


@dataclass
class AudioStream:
    """An open audio answer of notify (200 or 206): relay `headers`, iterate `chunks`, then `close`."""

    status: int
    headers: dict[str, str]
    response: httpx.Response
    client: httpx.Client

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self.response.iter_bytes()
        finally:
            self.close()

    def close(self) -> None:
        self.response.close()
        self.client.close()


class NotifyTelephony:
    def __init__(self, settings: OrderConfirmSettings) -> None:
        self.base_url = settings.notify_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {settings.service_token}"}

    def token(self, tenant: str, request: wire.AccessTokenRequest) -> wire.AccessTokenView:
        return wire.AccessTokenView.model_validate(self._call("POST", wire.TOKENS_PATH, tenant, body=request)[1])

    def start_call(self, tenant: str, request: wire.OutboundCallRequest) -> tuple[wire.OutboundCallView, bool]:
        """The call for the attempt; `True` when notify created it (201), `False` when it already existed."""
        status, body = self._call("POST", wire.CALLS_PATH, tenant, body=request)
        return wire.OutboundCallView.model_validate(body), status == 201

    def call(self, tenant: str, call_id: uuid.UUID) -> CallSnapshot:
        return CallSnapshot.model_validate(self._call("GET", wire.CALL_PATH, tenant, call_id=call_id)[1])

    def hold(self, tenant: str, call_id: uuid.UUID, on_hold: bool) -> CallSnapshot:
        body = wire.HoldRequest(on_hold=on_hold)
        return CallSnapshot.model_validate(
            self._call("PUT", wire.CALL_HOLD_PATH, tenant, body=body, call_id=call_id)[1]
        )

    def hangup(self, tenant: str, call_id: uuid.UUID) -> CallSnapshot:
        return CallSnapshot.model_validate(self._call("POST", wire.CALL_HANGUP_PATH, tenant, call_id=call_id)[1])

    def delete_recording(self, tenant: str, recording_id: uuid.UUID) -> None:
        self._call("DELETE", wire.RECORDING_PATH, tenant, recording_id=recording_id)

    def audio(self, tenant: str, recording_id: uuid.UUID, byte_range: str | None) -> AudioStream:
        """Open the recording's audio with the browser's `Range` as it came; the body is not read here."""
        url = self._url(wire.RECORDING_AUDIO_PATH, tenant, recording_id=recording_id)
        headers = {**self.headers, **({"Range": byte_range} if byte_range else {})}
        client = httpx.Client(timeout=_AUDIO_TIMEOUT)
        try:
            response = client.send(client.build_request("GET", url, headers=headers), stream=True)
        except httpx.HTTPError as error:
            client.close()
            raise _unreachable(error) from error
        if response.status_code in (200, 206):
            kept = {name: response.headers[name] for name in AUDIO_HEADERS if name in response.headers}
            return AudioStream(response.status_code, kept, response, client)
        try:
            response.read()
        finally:
            response.close()
            client.close()
        raise self._problem(response)

    def _url(self, path: str, tenant: str, **ids: uuid.UUID) -> str:
        return self.base_url + path.format(tenant=tenant, **{name: str(value) for name, value in ids.items()})

    def _call(
        self, method: str, path: str, tenant: str, *, body: BaseModel | None = None, **ids: uuid.UUID
    ) -> tuple[int, dict[str, Any]]:
        try:
            response = httpx.request(
                method,
                self._url(path, tenant, **ids),
                content=body.model_dump_json() if body else None,
                headers={**self.headers, "Content-Type": "application/json"},
                timeout=_TIMEOUT,
            )
        except httpx.HTTPError as error:
            raise _unreachable(error) from error
        if response.status_code >= 400:
            raise self._problem(response)
        if response.status_code == 204:
            return 204, {}
        try:
            answer: dict[str, Any] = response.json()
        except ValueError:
            raise TelephonyUnavailable(
                f"notify answered {response.status_code} without JSON", retry_after=_RETRY_AFTER_UNREACHABLE
            ) from None
        return response.status_code, answer

    def _problem(self, response: httpx.Response) -> DomainError:
        if response.status_code in (401, 403):
            return TelephonyUnavailable("notify refused our service token", retry_after=_RETRY_AFTER_UNREACHABLE)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "code" not in body:
            # Not notify's problem+json (a proxy's error page, a 502 from a load balancer): telephony is down.
            return TelephonyUnavailable(f"notify answered {response.status_code}", retry_after=_RETRY_AFTER_UNREACHABLE)
        problem = TelephonyProblem(response.status_code, body, response.headers.get("Retry-After"))
        unsatisfied = response.headers.get("Content-Range", "")
        if response.status_code == 416 and unsatisfied.startswith("bytes */") and unsatisfied[8:].isdigit():
            problem.extra["complete_length"] = int(unsatisfied[8:])  # answered as `Content-Range: bytes */<size>`
        return problem


def _unreachable(error: httpx.HTTPError) -> TelephonyUnavailable:
    return TelephonyUnavailable(
        f"notify did not answer: {error.__class__.__name__}", retry_after=_RETRY_AFTER_UNREACHABLE
    )
