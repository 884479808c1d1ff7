"""The order's life as an explicit transition table. Pure: no I/O; the service layer asks before it writes.

awaiting_call -> in_call -> confirmed | confirmed_with_changes | cancelled | callback_scheduled | no_answer
                                     | awaiting_payment (same-day prepayment) | unreachable
no_answer / callback_scheduled -> in_call -> ... ; after the last retry -> unreachable.
unreachable -> in_call reopens the order (service/calls.py): the retry policy counts again from there.
The shop may cancel any order that is not closed yet (cancelled_by_shop).
An order waiting for a call may be confirmed without one only with the channel and a reason the customer
confirmed through (service/confirmations.py); the service checks that, the table only allows the move.
"""

from __future__ import annotations

from services.common.problems import Conflict
from services.order_confirm.domain.vocabulary import OrderStatus as S

_OPEN_FOR_SHOP_CANCEL = (S.CANCELLED_BY_SHOP,)
_CONFIRMED_ELSEWHERE = (S.CONFIRMED, S.CONFIRMED_WITH_CHANGES)

TRANSITIONS: dict[S, frozenset[S]] = {
    S.NEW: frozenset({S.AWAITING_CALL, *_OPEN_FOR_SHOP_CANCEL}),
    S.AWAITING_CALL: frozenset({S.IN_CALL, *_CONFIRMED_ELSEWHERE, *_OPEN_FOR_SHOP_CANCEL}),
    S.IN_CALL: frozenset(
        {
            S.CONFIRMED,
            S.CONFIRMED_WITH_CHANGES,
            S.CANCELLED,
            S.CALLBACK_SCHEDULED,
            S.NO_ANSWER,
            S.AWAITING_PAYMENT,
            S.UNREACHABLE,
            *_OPEN_FOR_SHOP_CANCEL,
        }
    ),
    S.NO_ANSWER: frozenset({S.IN_CALL, *_CONFIRMED_ELSEWHERE, *_OPEN_FOR_SHOP_CANCEL}),
    S.CALLBACK_SCHEDULED: frozenset({S.IN_CALL, *_CONFIRMED_ELSEWHERE, *_OPEN_FOR_SHOP_CANCEL}),
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.IN_CALL, S.CANCELLED, *_OPEN_FOR_SHOP_CANCEL}),
    S.PAID: frozenset({S.CONFIRMED, S.CONFIRMED_WITH_CHANGES, S.IN_CALL, *_OPEN_FOR_SHOP_CANCEL}),
    # A customer reached later (they call back, the shop fixes the number) can still be called again.
    S.UNREACHABLE: frozenset({S.IN_CALL, *_CONFIRMED_ELSEWHERE, *_OPEN_FOR_SHOP_CANCEL}),
    # A confirmed order can still be cancelled by the shop (stock gone, fraud) until it ships.
    S.CONFIRMED: frozenset(_OPEN_FOR_SHOP_CANCEL),
    S.CONFIRMED_WITH_CHANGES: frozenset(_OPEN_FOR_SHOP_CANCEL),
    S.CANCELLED: frozenset(),
    S.CANCELLED_BY_SHOP: frozenset(),
}

# Statuses in which an operator may still edit the order (delivery, items, comment).
EDITABLE = frozenset({S.AWAITING_CALL, S.IN_CALL, S.NO_ANSWER, S.CALLBACK_SCHEDULED, S.UNREACHABLE})
# Statuses that end the confirmation work: no task stays open for them.
CLOSED = frozenset({S.CONFIRMED, S.CONFIRMED_WITH_CHANGES, S.CANCELLED, S.CANCELLED_BY_SHOP})


class IllegalTransition(Conflict):
    code, title = "illegal_transition", "The order cannot move to that status from its current one"


def allowed_from(current: S) -> frozenset[S]:
    return TRANSITIONS[current]


def can_move(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: S, target: S) -> S:
    """`target` if the move is legal; otherwise a 409 listing the statuses that are allowed from `current`."""
    if not can_move(current, target):
        allowed = sorted(status.value for status in TRANSITIONS[current])
        raise IllegalTransition(
            f"An order that is {current.value} cannot become {target.value}.",
            current=current.value,
            requested=target.value,
            allowed=allowed,
        )
    return target


def path(current: S, *targets: S) -> S:
    """Check a sequence of moves (e.g. awaiting_call -> in_call -> confirmed); returns the last status."""
    for target in targets:
        current = check_transition(current, target)
    return current
