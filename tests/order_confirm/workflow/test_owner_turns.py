"""Owners for a batch of new customers (ownership.choose_owners, what set-based intake uses): chosen in memory as
one by one would, each chosen operator's turn taken in one statement, and an operator the database says is
full by now takes none of them: their customers go to the others."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Operator
from services.order_confirm.service import ownership
from tests.order_confirm.workflow.world import add_operator, add_tenant
from tests.support import FrozenClock


def test_new_customers_of_a_batch_alternate_between_equally_loaded_operators(
    frozen_okno: Okno, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock())
    ivan = add_operator(engine, "ivan", Role.OPERATOR, [tenant], now=clock())

    with Session(engine) as session:
        owners = ownership.choose_owners(session, tenant, [101, 102, 103, 104], now=clock())

    assert sorted(owner.id for owner in owners.values()) == sorted([olga, olga, ivan, ivan])
    assert owners[101].id != owners[102].id, "each choice counts in the next"


def test_an_operator_filled_since_the_loads_were_read_takes_none_of_the_batch_and_the_others_take_them(
    frozen_okno: Okno, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock())
    ivan = add_operator(engine, "ivan", Role.OPERATOR, [tenant], now=clock())
    with Session(engine) as session:
        session.exec(update(Operator).where(col(Operator.id) == olga).values(capacity=3))
        session.commit()

    with Session(engine) as session, session.begin():
        ownership.owner_candidates(session, tenant)  # both empty as read: olga would get two of four
        # Meanwhile another shop's customers (the counter the triggers keep) left olga room for one only.
        session.exec(update(Operator).where(col(Operator.id) == olga).values(active_customers=2))
        owners = ownership.choose_owners(session, tenant, [101, 102, 103, 104], now=clock())
        turns = dict(session.exec(select(Operator.id, Operator.last_assigned_at)).all())

    assert {customer: owner.id for customer, owner in owners.items()} == dict.fromkeys([101, 102, 103, 104], ivan)
    assert turns[ivan] == clock() and turns[olga] is None, "only the operator who took customers had a turn"
