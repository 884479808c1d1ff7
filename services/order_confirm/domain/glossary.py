"""What each word of order_confirm's stored vocabularies means, for whoever reads the data or the API.

docs/vocabulary.md is generated from this module (`okno docs write`), and tests/common/test_vocabulary_docs.py
fails when an enum value, an audit action or a timeline kind the code writes has no meaning here.
Audit actions and timeline kinds are plain strings at their call sites, so they are listed here by hand.
"""

from __future__ import annotations

from services.order_confirm.domain.reasons import CancelReason, ConfirmChannel, WrongNumberReason
from services.order_confirm.domain.vocabulary import (
    Disposition,
    OperatorStatus,
    OrderStatus,
    Role,
    TaskKind,
    TaskStatus,
)

ORDER_STATUSES: dict[OrderStatus, str] = {
    OrderStatus.NEW: "Just received; becomes `awaiting_call` in the same transaction once its task exists",
    OrderStatus.AWAITING_CALL: "Waiting for the owner's call (a `confirm`, `retry` or `callback` task is open)",
    OrderStatus.IN_CALL: "The operator is dialling or talking (`POST …/call`); the call's outcome closes it",
    OrderStatus.NO_ANSWER: "The last call was not answered (no answer, busy, voicemail); a `retry` task is due",
    OrderStatus.CALLBACK_SCHEDULED: "The customer asked to be called back at a time; a `callback` task is due then",
    OrderStatus.AWAITING_PAYMENT: "A same-day payment link was sent; the order waits for the payment",
    OrderStatus.PAID: "The payment link was paid; the owner confirms the order",
    OrderStatus.CONFIRMED: "Confirmed by the customer as ordered (reported as `order.confirmed`)",
    OrderStatus.CONFIRMED_WITH_CHANGES: "Confirmed after the operator changed it (reported as `order.changed`, "
    "then `order.confirmed` with `with_changes`)",
    OrderStatus.CANCELLED: "Cancelled by the customer through the operator, with a reason code",
    OrderStatus.CANCELLED_BY_SHOP: "Cancelled by the shop (`order.cancelled` webhook or ERP); open tasks closed",
    OrderStatus.UNREACHABLE: "No answer after the tenant's maximum attempts, or a wrong number (reported as "
    "`order.unreachable`)",
}

DISPOSITIONS: dict[Disposition, str] = {
    Disposition.CONFIRMED: "The customer confirmed the order",
    Disposition.CHANGED: "The customer confirmed with changes (recorded with `PATCH` before)",
    Disposition.CANCELLED: "The customer cancelled (needs `reason_code`)",
    Disposition.NO_ANSWER: "Nobody answered; retried per the tenant's policy",
    Disposition.BUSY: "The line was busy; retried like no answer",
    Disposition.WRONG_NUMBER: "Not the customer's number (needs `reason_code`): phone flagged, order `unreachable`",
    Disposition.CALLBACK_REQUESTED: "The customer asked to be called at `callback_at`",
    Disposition.VOICEMAIL: "A voicemail answered; retried like no answer",
}

CANCEL_REASONS: dict[CancelReason, str] = {
    CancelReason.CUSTOMER_REFUSED: "The customer refuses the order",
    CancelReason.CHANGED_MIND: "The customer changed their mind",
    CancelReason.FOUND_CHEAPER: "The customer found it cheaper elsewhere",
    CancelReason.DELIVERY_TOO_LATE: "The delivery date or slot does not suit the customer",
    CancelReason.DUPLICATE_ORDER: "The customer ordered the same twice",
    CancelReason.PAYMENT_PROBLEM: "The customer cannot pay as chosen",
    CancelReason.DID_NOT_ORDER: "The customer says they did not place the order",
    CancelReason.OTHER: "Something else (the comment says what)",
}

WRONG_NUMBER_REASONS: dict[WrongNumberReason, str] = {
    WrongNumberReason.NOT_IN_SERVICE: "The number is not in service",
    WrongNumberReason.ANOTHER_PERSON: "Someone else answers this number",
    WrongNumberReason.INCOMPLETE_NUMBER: "The number is too short or malformed",
    WrongNumberReason.OTHER: "Something else (the comment says what)",
}

CONFIRM_CHANNELS: dict[ConfirmChannel, str] = {
    ConfirmChannel.SMS: "The customer answered a text message",
    ConfirmChannel.EMAIL: "The customer answered an e-mail",
    ConfirmChannel.MESSENGER: "The customer answered in a messenger",
    ConfirmChannel.SHOP: "The shop confirmed the order with the customer itself",
    ConfirmChannel.PAYMENT: "The customer paid the order by link (the default for a paid order)",
    ConfirmChannel.OTHER: "Some other way (the reason says which)",
}

TASK_KINDS: dict[TaskKind, str] = {
    TaskKind.CONFIRM: "Call a new order's customer to confirm it (due at once; urgent deliveries first)",
    TaskKind.CALLBACK: "Call the customer back at the time they asked for",
    TaskKind.RETRY: "Call again after no answer, busy or voicemail (per the tenant's retry steps)",
    TaskKind.REARRANGE_DELIVERY: "The courier could not deliver as planned; agree a new slot with the customer",
    TaskKind.PAYMENT_FOLLOW_UP: "A payment link was paid (confirm the order) or expired/failed (call the customer)",
    TaskKind.SUPERVISOR_FOLLOW_UP: "For the supervisor: the customer asked for a call back in the survey, or rated low",
    TaskKind.COACHING: "For the supervisor: a QA evaluation below the threshold or with a critical failure",
}

TASK_STATUSES: dict[TaskStatus, str] = {
    TaskStatus.OPEN: "In someone's queue (the owner's, a cover's or a supervisor's)",
    TaskStatus.DONE: "Worked: the call or follow-up it asked for happened",
    TaskStatus.CANCELLED: "No longer needed (the order was closed or another task replaced it)",
}

OPERATOR_STATUSES: dict[OperatorStatus, str] = {
    OperatorStatus.AVAILABLE: "On shift and free: may become the owner of new customers",
    OperatorStatus.BUSY: "On shift, in a call or working a task: still counts for ownership",
    OperatorStatus.BREAK: "Off shift for a while: gets no new customers; due tasks go to the cover",
    OperatorStatus.OFFLINE: "Off shift: gets no new customers; due tasks go to the cover",
}

ROLES: dict[Role, str] = {
    Role.OPERATOR: "Calls the customers they own (or cover) in their tenants",
    Role.SUPERVISOR: "Leads a team: its customers, reassignment, cover rules, follow-ups, the audit",
    Role.CLIENT_MANAGER: "The shop's manager: reports, audit and survey results of their tenant, no customer data",
    Role.ADMIN: "Configures tenants, operators and policies; sees every customer of their tenants",
    Role.QA: "The quality department: evaluates calls of its tenants",
}

# Timeline of a customer (`GET /api/v1/customers/{id}`): what happened, in the order it happened.
TIMELINE_KINDS: dict[str, str] = {
    "order_received": "An order arrived from the shop's site or the ERP",
    "order_changed_by_shop": "The shop sent a new version of the order",
    "order_cancelled_by_shop": "The shop cancelled the order",
    "owner_assigned": "The customer got an owner (new customer, or taken from the unassigned pool)",
    "owner_changed": "A supervisor gave the customer to another operator",
    "attempt": "A call ended; `details` has the disposition and the order's new status",
    "order_reopened": "An unreachable order was called again: it is open again and the retry policy starts over",
    "confirmed_elsewhere": "Confirmed without a call, through another channel (`details`: channel, reason)",
    "order_changed": "The operator changed the order (before → after in `details`)",
    "note": "Someone wrote a note about the customer",
    "payment_link": "A same-day payment link was sent, or expired or failed unpaid",
    "payment": "The customer paid a payment link",
    "courier": "News from the courier about the shipment (booked, delivered, failed …)",
    "survey": "The customer rated the call (CSAT/NPS) in the post-call survey",
    "survey_opt_out": "The customer asked not to be surveyed again",
    "task_covered": "An off-shift owner's due task went to their cover operator",
    "task_cover_ended": "The owner is back on shift: the covered task returned to them",
    "inbound_call": "The customer called the shop's number and an operator answered (who, after how long, talk time)",
    "phone_callback_requested": "The customer asked in the voice menu to be called back; a callback task is open",
}

# Audit log (`GET /api/v1/audit`): every state change, who made it, before → after.
# action -> (entity the entry is about, meaning)
AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "tenant.created": ("tenant", "A tenant (shop) was created"),
    "tenant.policy_changed": ("tenant", "The tenant's policy (retries, calling hours, targets …) was changed"),
    "telephony_settings.changed": ("tenant", "The tenant's telephony settings were changed"),
    "planning.targets_changed": ("tenant", "The tenant's staffing targets were changed"),
    "qa_settings.changed": ("tenant", "The tenant's QA settings were changed"),
    "operator.created": ("operator", "A login was created"),
    "operator.changed": ("operator", "A login's name, capacity, tenants, password or active flag changed"),
    "operator.status_changed": ("operator", "An operator went on or off shift"),
    "operator.locked": ("operator", "Too many wrong passwords from one address: that address is locked out"),
    "operator.line_changed": ("operator", "An operator's telephone line (softphone or number) changed"),
    "call.held": ("call", "The operator put their call on hold (the customer hears hold music)"),
    "call.resumed": ("call", "The operator took their call back from hold"),
    "call.hung_up": ("call", "The call was ended from the console at Twilio: by its operator, or a supervisor"),
    "recording.played": ("recording", "Someone listened to a call recording (once per listener and half hour)"),
    "recording.deleted": ("recording", "A supervisor or admin deleted a call recording (at Twilio too)"),
    "auth_session.revoked": ("operator", "A login session ended (logout, or a reused refresh token)"),
    "cover_rule.set": ("operator", "A cover rule was set: who takes an off-shift owner's due tasks"),
    "cover_rule.deleted": ("operator", "A cover rule was removed"),
    "customer.owner_assigned": ("customer", "The customer got an owner (new, or from the unassigned pool)"),
    "customer.owner_changed": ("customer", "A supervisor reassigned the customer"),
    "customer.survey_opt_out": ("customer", "The customer opted out of surveys"),
    "order.received": ("order", "An order arrived (webhook or ERP)"),
    "order.changed_by_shop": ("order", "The shop sent a new version of the order"),
    "order.cancelled_by_shop": ("order", "The shop cancelled the order"),
    "order.status_changed": ("order", "The order's status changed (a call, its outcome, a payment …)"),
    "order.changed": ("order", "The operator changed the order's delivery, items or comment"),
    "order.reopened": ("order", "A call on an unreachable order reopened it; the retry policy counts again"),
    "order.confirmed_elsewhere": ("order", "Confirmed without a call, through another channel (channel, reason)"),
    "order.paid": ("order", "The order's payment link was paid"),
    "payment_link.created": ("order", "The operator sent a same-day payment link"),
    "survey.recorded": ("attempt", "The survey result of a call was stored"),
    "task.created": ("task", "A follow-up or coaching task was created for a supervisor"),
    "task.done": ("task", "A coaching task was done"),
    "task.cancelled": ("task", "A coaching task was cancelled"),
    "task.covered": ("task", "An off-shift owner's due task went to the cover operator"),
    "task.cover_ended": ("task", "A covered task returned to its owner"),
    "task.callback_requested_by_phone": ("task", "A caller asked in the voice menu to be called back: a callback task"),
    "inbound_call.attached": ("inbound_call", "An unknown caller's call was attached to an order (and its customer)"),
    "shift.created": ("planned_shift", "A shift was planned"),
    "shift.changed": ("planned_shift", "A planned shift was moved or changed"),
    "shift.deleted": ("planned_shift", "A planned shift was removed"),
    "shift_template.created": ("shift_template", "A shift template was created"),
    "shift_template.deleted": ("shift_template", "A shift template was removed"),
    "forecast_override.set": ("forecast_override", "A manual override of the forecast was set"),
    "forecast_override.deleted": ("forecast_override", "A forecast override was removed"),
    "roster.accepted": ("roster", "A proposed roster was accepted as the plan"),
    "qa_scorecard.created": ("qa_scorecard", "A QA scorecard was created"),
    "qa_scorecard.changed": ("qa_scorecard", "A QA scorecard got a new version"),
    "qa_scorecard.flags_changed": ("qa_scorecard", "A scorecard's flags (default, active) changed"),
    "qa_evaluation.submitted": ("qa_evaluation", "A QA evaluation was submitted"),
    "qa_evaluation.new_version": ("qa_evaluation", "A submitted evaluation was corrected (a new version)"),
    "qa_evaluation.acknowledged": ("qa_evaluation", "The operator acknowledged their evaluation"),
    "qa_dispute.opened": ("qa_dispute", "The operator disputed their evaluation"),
    "qa_dispute.upheld": ("qa_dispute", "A dispute was upheld (the evaluation is re-scored)"),
    "qa_dispute.rejected": ("qa_dispute", "A dispute was rejected"),
    "qa_calibration.created": ("qa_calibration", "A calibration session was created"),
    "qa_kudos.given": ("qa_kudos", "Kudos were given for a call"),
    "qa_example.given": ("qa_kudos", "A call was marked as an example for the team"),
}
