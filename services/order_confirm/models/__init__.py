"""Tables of order_confirm. Importing this package registers all of them on `metadata`."""

from services.order_confirm.models.auth import AuthSession, LoginAttempt
from services.order_confirm.models.base import OrderConfirmModel, metadata
from services.order_confirm.models.customers import Customer, Note, TimelineEvent
from services.order_confirm.models.messaging import (
    DeadLetter,
    InboxMessage,
    OutboxMessage,
)
from services.order_confirm.models.orders import (
    Attempt,
    AuditEntry,
    Order,
    OrderItem,
    Task,
)
from services.order_confirm.models.payments import PaymentLink
from services.order_confirm.models.reports import DailyReport
from services.order_confirm.models.tenancy import (
    CoverRule,
    Operator,
    OperatorStatusChange,
    OperatorTenant,
    Tenant,
)
from services.order_confirm.planning.models import (
    ForecastOverride,
    PlanInterval,
    PlannedShift,
    PlanRun,
    RosterProposal,
    ShiftTemplate,
)
from services.order_confirm.qa.models import (
    QaAcknowledgement,
    QaAnswer,
    QaCalibration,
    QaCalibrationParticipant,
    QaComment,
    QaDispute,
    QaEvaluation,
    QaKudos,
    QaSampleItem,
    QaSampleWeek,
    QaScorecard,
    QaScorecardVersion,
)
from services.order_confirm.telephony.models import (
    CallRecording,
    InboundCall,
    OperatorLine,
    OutboundCall,
    PhoneCallbackRequest,
    ProjectionRow,
    TelephonySettings,
)

__all__ = [
    "Attempt",
    "AuditEntry",
    "AuthSession",
    "CallRecording",
    "CoverRule",
    "Customer",
    "DailyReport",
    "DeadLetter",
    "ForecastOverride",
    "InboundCall",
    "InboxMessage",
    "LoginAttempt",
    "Note",
    "Operator",
    "OperatorLine",
    "OperatorStatusChange",
    "OperatorTenant",
    "Order",
    "OrderConfirmModel",
    "OrderItem",
    "OutboundCall",
    "OutboxMessage",
    "PaymentLink",
    "PhoneCallbackRequest",
    "PlanInterval",
    "PlanRun",
    "PlannedShift",
    "ProjectionRow",
    "QaAcknowledgement",
    "QaAnswer",
    "QaCalibration",
    "QaCalibrationParticipant",
    "QaComment",
    "QaDispute",
    "QaEvaluation",
    "QaKudos",
    "QaSampleItem",
    "QaSampleWeek",
    "QaScorecard",
    "QaScorecardVersion",
    "RosterProposal",
    "ShiftTemplate",
    "Task",
    "TelephonySettings",
    "Tenant",
    "TimelineEvent",
    "metadata",
]
