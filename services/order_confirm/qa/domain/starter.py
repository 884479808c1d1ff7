"""The starter scorecard for order confirmation (shipped with the demo, creatable for any tenant).

Four scored sections of 100 points and three critical criteria worth no points of their own: any one of
them answered "no" zeroes the call. Phrased so that "yes" is always the good answer.
"""

from __future__ import annotations

from services.order_confirm.qa.domain.scorecard import Answer, Criterion, Scorecard, Section

YES_NO = (Answer.YES, Answer.NO)
YES_NO_NA = (Answer.YES, Answer.NO, Answer.NA)
_Text = tuple[str, str]  # (Russian, English)

# key, weight, critical, answers, title, description
_CRITERIA: dict[_Text, tuple[tuple[str, int, bool, tuple[Answer, ...] | None, _Text, _Text], ...]] = {
    ("Приветствие и идентификация", "Greeting and identification"): (
        ("greeting", 10, False, None, ("Поздоровался, назвал себя и магазин", "Greeted, named themself and the shop"),
         ("Вежливое приветствие в первые секунды", "A polite greeting within the first seconds")),
        ("identified", 10, False, YES_NO,
         ("Убедился, что говорит с заказчиком", "Made sure they spoke to the customer"),
         ("Уточнил имя до разговора о заказе", "Checked the name before discussing the order")),
    ),
    ("Заказ", "The order"): (
        ("read_back", 20, False, None, ("Зачитал состав, количество и сумму", "Read back items, quantities and total"),
         ("Каждая позиция и итог названы верно", "Every item and the total said correctly")),
        ("delivery_payment", 20, False, None,
         ("Подтвердил доставку и оплату", "Confirmed delivery and payment"),
         ("Адрес, дата или интервал, способ оплаты", "Address, date or slot, payment method")),
    ),
    ("Продажа и возражения", "Selling and objections"): (
        ("same_day_offered", 10, False, YES_NO_NA,
         ("Предложил доставку сегодня, где она возможна", "Offered same-day delivery where eligible"),
         ("Н/П, если заказ не подходит для доставки сегодня", "N/A when the order is not eligible")),
        ("objections", 10, False, None, ("Отработал возражения", "Handled objections"),
         ("Н/П, если возражений не было", "N/A when there were none")),
    ),
    ("Завершение", "Closing"): (
        ("disposition", 10, False, YES_NO,
         ("Верный итог звонка и причина", "Correct disposition and reason"),
         ("Итог и причина в Окне совпадают с разговором", "What Okno records matches the conversation")),
        ("closing", 10, False, None, ("Подвёл итог и попрощался", "Summed up next steps and closed politely"),
         ("", "")),
    ),
    ("Критические ошибки", "Critical errors"): (
        ("prices_correct", 0, True, YES_NO,
         ("Цены и платёжные данные названы верно", "Prices and payment data given correctly"),
         ("«Нет» = неверная цена, сумма или реквизиты: 0", "'No' = a wrong price, sum or payment data: 0")),
        ("personal_data_safe", 0, True, YES_NO,
         ("Персональные данные не раскрыты", "No personal data disclosed"),
         ("«Нет» = данные сообщены постороннему: оценка 0", "'No' = data given to someone else: score 0")),
        ("polite", 0, True, YES_NO, ("Вежлив на протяжении всего звонка", "Polite throughout the call"),
         ("«Нет» = грубость: оценка 0", "'No' = rudeness: score 0")),
    ),
}  # fmt: skip

STARTER_NAME = ("Подтверждение заказа", "Order confirmation")


def starter_scorecard(language: str) -> Scorecard:
    """The starter card in the tenant's language ("ru", else English)."""
    pick = 0 if language == "ru" else 1
    sections = tuple(
        Section(
            title=title[pick],
            criteria=tuple(
                Criterion(
                    key=key,
                    title=text[pick],
                    weight=weight,
                    critical=critical,
                    answers=answers or (Answer.YES, Answer.PARTLY, Answer.NO, Answer.NA),
                    description=description[pick],
                )
                for key, weight, critical, answers, text, description in criteria
            ),
        )
        for title, criteria in _CRITERIA.items()
    )
    return Scorecard(STARTER_NAME[pick], sections)
