"""The sandbox's recordings: a short generated WAV per recorded call, served the way Twilio serves media.

A recorded sandbox call gets a row here (its `RE…` sid, the CallSid, the duration) when the sandbox exchange
(or `simulator.recordings.post_sandbox_recording`) ends it, before the recording callback is posted. The audio
is generated on demand from the duration — a two-channel 8 kHz tone pattern (customer beeps on the left,
operator on the right) — so nothing large is stored and every byte range can be cut without reading a file.
Deleting marks the row; a deleted recording is 404 like Twilio's. Notify reads these through
`TwilioRecordings` over HTTP (`api/sandbox_twilio_rest.py`): playback, Range and retention run the production
code path.
"""

from __future__ import annotations

import math
import secrets
import struct
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine
from sqlmodel import Field, Session

from services.common.clock import utc_now
from services.common.db import transaction
from services.common.types import utc_field
from services.notify.tables import NotifyModel

SAMPLE_RATE = 8000
CHANNELS = 2
BYTES_PER_SECOND = SAMPLE_RATE * CHANNELS  # 8-bit samples
HEADER_SIZE = 44
MAX_SECONDS = 4 * 3600  # a sandbox call longer than this is cut (the file is generated, not stored)
CHUNK = 64 * 1024
CONTENT_TYPE = "audio/wav"


class SandboxRecording(NotifyModel, table=True):
    __tablename__ = "notify_sandbox_recordings"

    sid: str = Field(primary_key=True, max_length=34)
    call_sid: str = Field(max_length=64, index=True)  # the recorded call's (parent leg's) CallSid, as at Twilio
    duration_seconds: int = Field(ge=0)
    channels: int = Field(default=CHANNELS)
    created_at: datetime = utc_field()
    deleted_at: datetime | None = utc_field(nullable=True, default=None)


def new_sid() -> str:
    return "RE" + secrets.token_hex(16)


def keep_recording(engine: Engine, sid: str, call_sid: str, duration_seconds: int) -> None:
    """Store a recording of `duration_seconds` (at least one second of audio) under `sid`."""
    row = SandboxRecording(
        sid=sid,
        call_sid=call_sid,
        duration_seconds=min(max(duration_seconds, 1), MAX_SECONDS),
        created_at=utc_now(),
    )
    with transaction(engine) as session:
        session.add(row)


def live_recording(session: Session, sid: str) -> SandboxRecording | None:
    row = session.get(SandboxRecording, sid)
    return row if row is not None and row.deleted_at is None else None


def delete_recording(session: Session, sid: str, now: datetime) -> bool:
    """Twilio's DELETE: False when there is no such recording (any more)."""
    row = live_recording(session, sid)
    if row is None:
        return False
    row.deleted_at = now
    session.add(row)
    return True


def wav_size(duration_seconds: int) -> int:
    return HEADER_SIZE + duration_seconds * BYTES_PER_SECOND


def wav_bytes(duration_seconds: int, first: int, last: int) -> Iterator[bytes]:
    """Bytes `first`..`last` (inclusive) of the recording's WAV file, in chunks."""
    header = _header(duration_seconds * BYTES_PER_SECOND)
    position = first
    while position <= last:
        end = min(position + CHUNK, last + 1)
        if position < HEADER_SIZE:
            piece = header[position : min(end, HEADER_SIZE)]
        else:
            piece = _samples(position - HEADER_SIZE, min(end, last + 1) - HEADER_SIZE)
        yield piece
        position += len(piece)


def _header(data_size: int) -> bytes:
    byte_rate = SAMPLE_RATE * CHANNELS
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_size)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, CHANNELS, SAMPLE_RATE, byte_rate, CHANNELS, 8)
        + b"data"
        + struct.pack("<I", data_size)
    )


def _samples(start: int, end: int) -> bytes:
    """Sample bytes `start`..`end` (exclusive) of the data chunk: one second's pattern, repeated."""
    second = _one_second()
    offset = start % BYTES_PER_SECOND
    repeats = (offset + end - start) // BYTES_PER_SECOND + 1
    return (second * repeats)[offset : offset + end - start]


@lru_cache(maxsize=1)
def _one_second() -> bytes:
    """Customer (left) says 400 Hz for 0.4 s, then the operator (right) 500 Hz for 0.4 s; 8-bit unsigned PCM."""
    frames = bytearray()
    for n in range(SAMPLE_RATE):
        t = n / SAMPLE_RATE
        left = _tone(400, t) if t < 0.4 else 128
        right = _tone(500, t) if 0.5 <= t < 0.9 else 128
        frames += bytes((left, right))
    return bytes(frames)


def _tone(frequency: int, t: float) -> int:
    return 128 + round(60 * math.sin(2 * math.pi * frequency * t))
