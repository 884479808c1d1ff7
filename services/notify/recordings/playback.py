"""A recording's audio for order_confirm: looked up in the tenant, fetched from the provider with notify's
credentials (Range passed on), streamed back. No transaction stays open while the bytes flow."""

from __future__ import annotations

from collections.abc import Iterator

from services.common.db import transaction
from services.notify.recordings.deletion import tenant_recording
from services.notify.runtime import NotifyRuntime
from services.notify.telephony import ByteRange, RecordingAudio, RecordingNotAtProvider, webhook_telephony
from services.notify.telephony.problems import RecordingNotFound


def open_audio(runtime: NotifyRuntime, tenant: str, recording_id: str, byte_range: ByteRange | None) -> RecordingAudio:
    """The audio (or the asked part of it). Raises RecordingNotFound (another tenant's, deleted, no audio, gone
    at the provider), RangeNotSatisfiable, TelephonyUnavailable."""
    with transaction(runtime.engine) as session:
        row = tenant_recording(session, tenant, recording_id)
        if row.deleted_at is not None:
            raise RecordingNotFound(f"Recording {recording_id} was deleted.")
        sid = row.provider_sid
    try:
        return webhook_telephony(runtime).recordings.fetch(sid, byte_range)
    except RecordingNotAtProvider:
        raise RecordingNotFound(f"Recording {recording_id} is no longer at the provider.") from None


def streamed(audio: RecordingAudio) -> Iterator[bytes]:
    """The audio's chunks; the provider's response and client are closed however the stream ends."""
    try:
        yield from audio.chunks
    finally:
        for resource in audio.close:
            close = getattr(resource, "close", None)
            if callable(close):
                close()
