"""Tables of notify. Importing this package registers all of them on `metadata`."""

from services.notify.models.messaging import DeadLetter, InboxMessage, OutboxMessage
from services.notify.sms.models import SmsMessage, SmsTemplate
from services.notify.surveys.models import SurveyCall, SurveyRules, SurveyStep
from services.notify.tables import NotifyModel, metadata
from services.notify.telephony.models import (
    VoiceCall,
    VoiceCallEvent,
    VoiceCallOffer,
    VoiceCover,
    VoiceCustomer,
    VoiceNumber,
    VoicePresence,
    VoiceRecording,
    VoiceTenant,
)
from services.notify.telephony.sandbox.credentials import SandboxCredentialsRow
from services.notify.telephony.sandbox.recordings import SandboxRecording

__all__ = [
    "DeadLetter",
    "InboxMessage",
    "NotifyModel",
    "OutboxMessage",
    "SandboxCredentialsRow",
    "SandboxRecording",
    "SmsMessage",
    "SmsTemplate",
    "SurveyCall",
    "SurveyRules",
    "SurveyStep",
    "VoiceCall",
    "VoiceCallEvent",
    "VoiceCallOffer",
    "VoiceCover",
    "VoiceCustomer",
    "VoiceNumber",
    "VoicePresence",
    "VoiceRecording",
    "VoiceTenant",
    "metadata",
]
