"""Tables of notify. Importing this package registers all of them on `metadata`."""

from services.notify.models.base import NotifyModel, metadata
from services.notify.models.messaging import DeadLetter, InboxMessage, OutboxMessage
from services.notify.models.sms import SmsMessage, SmsTemplate
from services.notify.models.surveys import SurveyCall, SurveyRules, SurveyStep

__all__ = [
    "DeadLetter",
    "InboxMessage",
    "NotifyModel",
    "OutboxMessage",
    "SmsMessage",
    "SmsTemplate",
    "SurveyCall",
    "SurveyRules",
    "SurveyStep",
    "metadata",
]
