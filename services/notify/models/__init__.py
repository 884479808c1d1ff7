"""Tables of notify. Importing this package registers all of them on `metadata`."""

from services.notify.models.messaging import DeadLetter, InboxMessage, OutboxMessage
from services.notify.sms.models import SmsMessage, SmsTemplate
from services.notify.surveys.models import SurveyCall, SurveyRules, SurveyStep
from services.notify.tables import NotifyModel, metadata
from services.notify.telephony.sandbox.credentials import SandboxCredentialsRow

__all__ = [
    "DeadLetter",
    "InboxMessage",
    "NotifyModel",
    "OutboxMessage",
    "SandboxCredentialsRow",
    "SmsMessage",
    "SmsTemplate",
    "SurveyCall",
    "SurveyRules",
    "SurveyStep",
    "metadata",
]
