"""Recordings at Twilio: the media (streamed, with HTTP Range passed on) and their deletion.

The media URL is `{api}/2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}.{mp3|wav}` with the
account's Basic auth; it never leaves notify. When the server ignores `Range` (answers 200 with the whole
file) the range is cut here, so seeking works either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx

from services.notify.telephony.base import (
    ByteRange,
    RangeNotSatisfiable,
    RecordingAudio,
    RecordingNotAtProvider,
    TelephonyUnavailable,
)
from services.notify.telephony.twilio.rest import API_BASE_URL, twilio_errors

if TYPE_CHECKING:  # the SDK's REST client (and requests) loads only where a client is built (rest.py)
    from twilio.rest import Client

CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
CHUNK = 64 * 1024


class TwilioRecordings:
    def __init__(
        self, client: Client, account_sid: str, auth_token: str, api_base_url: str | None, *, media: str = "mp3"
    ) -> None:
        self.client = client
        self.auth = (account_sid, auth_token)
        self.base = (api_base_url or API_BASE_URL).rstrip("/") + f"/2010-04-01/Accounts/{account_sid}/Recordings"
        self.media = media

    def fetch(self, recording_sid: str, byte_range: ByteRange | None) -> RecordingAudio:
        http = httpx.Client(auth=self.auth, timeout=_TIMEOUT, follow_redirects=True)
        headers = {"Range": byte_range.header()} if byte_range else {}
        url = f"{self.base}/{recording_sid}.{self.media}"
        try:
            response = http.send(http.build_request("GET", url, headers=headers), stream=True)
        except httpx.HTTPError as error:
            http.close()
            raise TelephonyUnavailable(f"recording media: {error.__class__.__name__}") from error
        try:
            return self._audio(response, byte_range, http)
        except BaseException:
            response.close()
            http.close()
            raise

    def delete(self, recording_sid: str) -> None:
        try:
            with twilio_errors():
                self.client.recordings(recording_sid).delete()
        except TelephonyUnavailable:
            raise
        except Exception as error:  # CallRejected: 404 = already gone, which is what we wanted
            if getattr(error, "code", None) not in ("20404", None):
                raise

    def _audio(self, response: httpx.Response, byte_range: ByteRange | None, http: httpx.Client) -> RecordingAudio:
        content_type = CONTENT_TYPES[self.media]
        if response.status_code == 404:
            raise RecordingNotAtProvider(response.url.path)
        if response.status_code == 416:
            total = response.headers.get("Content-Range", "*/0").rpartition("/")[2]
            raise RangeNotSatisfiable(int(total) if total.isdigit() else 0)
        if response.status_code == 206:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if match is None:
                raise TelephonyUnavailable("206 without a Content-Range")
            first, last, total = (int(g) for g in match.groups())
            return RecordingAudio(content_type, total, first, last, response.iter_bytes(CHUNK), True, [response, http])
        if response.status_code != 200:
            raise TelephonyUnavailable(f"recording media answered {response.status_code}")
        total = int(response.headers.get("Content-Length", "0"))
        if byte_range is None:
            return RecordingAudio(
                content_type, total, 0, total - 1, response.iter_bytes(CHUNK), False, [response, http]
            )
        bounds = byte_range.within(total)
        if bounds is None:
            raise RangeNotSatisfiable(total)
        first, last = bounds
        chunks = _cut(response.iter_bytes(CHUNK), first, last)
        return RecordingAudio(content_type, total, first, last, chunks, True, [response, http])


def _cut(chunks: Iterator[bytes], first: int, last: int) -> Iterator[bytes]:
    position = 0
    for chunk in chunks:
        start, end = max(first - position, 0), min(last + 1 - position, len(chunk))
        if start < end:
            yield chunk[start:end]
        position += len(chunk)
        if position > last:
            return
