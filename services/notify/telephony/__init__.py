"""The telephony boundary of notify: one Protocol per capability (`base`), provider-neutral voice steps
(`voice`), the Twilio implementation (`twilio/`) and the local sandbox (`sandbox/`) side by side, and the one
place that picks between them (`providers`). Service code imports from here, never from a provider package.
"""

from services.notify.telephony.base import (
    ByteRange,
    CallRejected,
    MintedToken,
    OutboundCall,
    OutgoingSms,
    RangeNotSatisfiable,
    RecordingAudio,
    RecordingNotAtProvider,
    SentSms,
    TelephonyUnavailable,
)
from services.notify.telephony.providers import (
    SMS,
    SOFTPHONE,
    VOICE,
    Telephony,
    cached_telephony,
    declare_capabilities,
    telephony_for,
    webhook_telephony,
)

__all__ = [
    "SMS",
    "SOFTPHONE",
    "VOICE",
    "ByteRange",
    "CallRejected",
    "MintedToken",
    "OutboundCall",
    "OutgoingSms",
    "RangeNotSatisfiable",
    "RecordingAudio",
    "RecordingNotAtProvider",
    "SentSms",
    "Telephony",
    "TelephonyUnavailable",
    "cached_telephony",
    "declare_capabilities",
    "telephony_for",
    "webhook_telephony",
]
