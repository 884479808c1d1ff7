"""notify is unreachable when the operator presses S, in Chromium: the attempt starts anyway (the order is in a
call), the card says to dial from one's own phone and record the disposition by hand, and the disposition
closes the very attempt the call start opened."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import Session, select

from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt
from tests.browser.conftest import Console
from tests.browser.test_softphone import _switch_telephony_on, phones
from tests.support import free_port

__all__ = ["phones"]


def test_notify_down_the_operator_records_the_call_by_hand(phones: Console) -> None:
    phones.add_staff("anna")
    phones.add_staff("boss", Role.ADMIN)
    phones.shop_sends("TEA-7003")
    assert phones.owner_of("TEA-7003") == "anna"
    _switch_telephony_on(phones)
    console = phones.open("anna")
    expect(console.get_by_test_id("softphone")).to_have_attribute("data-status", "ready")
    console.get_by_test_id("queue-row").filter(has_text="TEA-7003").click()
    card = console.get_by_test_id("order-card")
    expect(card).to_contain_text("Заказ TEA-7003")

    phones.okno.order_confirm.settings.notify_url = f"http://127.0.0.1:{free_port()}/notify"  # nobody listens
    phones.allowed_errors.append("503")  # the browser logs the refused call start; the card explains it
    console.keyboard.press("s")
    expect(card.get_by_test_id("notice")).to_contain_text("отметьте итог звонка вручную")
    expect(card.get_by_test_id("order-status")).to_have_text("звонок")

    console.keyboard.press("1")  # no answer, recorded by hand
    expect(card.get_by_test_id("order-status")).not_to_have_text("звонок")
    with Session(phones.engines.order_confirm) as session:
        [attempt] = session.exec(select(Attempt)).all()
    assert attempt.disposition == "no_answer", "the attempt the call start opened, closed by hand"
