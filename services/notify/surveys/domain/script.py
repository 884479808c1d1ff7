"""What the survey says, in the tenant's language (Russian and English), and with which Twilio voice."""

from __future__ import annotations

from dataclasses import dataclass

from services.notify.surveys.domain.flow import Question


@dataclass(frozen=True)
class Script:
    voice: str  # Amazon Polly voices Twilio offers for <Say>
    language: str
    greeting: str
    prompts: dict[Question, str]
    not_understood: str
    thanks: str


RUSSIAN = Script(
    voice="Polly.Tatyana",
    language="ru-RU",
    greeting=(
        "Здравствуйте! Вы недавно говорили с нашим оператором о вашем заказе. "
        "Ответьте, пожалуйста, на два коротких вопроса."
    ),
    prompts={
        Question.CSAT: "Оцените разговор с оператором от одного до пяти, где пять — отлично. Нажмите одну цифру.",
        Question.NPS: (
            "Насколько вероятно, что вы порекомендуете наш магазин друзьям? "
            "Наберите число от нуля до десяти и нажмите решётку."
        ),
        Question.CALLBACK: (
            "Если хотите, чтобы вам перезвонил руководитель, нажмите один. "
            "Чтобы больше не получать такие звонки, нажмите девять. Иначе просто положите трубку."
        ),
    },
    not_understood="Извините, я не поняла ответ.",
    thanks="Спасибо за ваши ответы! До свидания.",
)

ENGLISH = Script(
    voice="Polly.Joanna",
    language="en-US",
    greeting="Hello! You recently spoke with our operator about your order. Please answer two short questions.",
    prompts={
        Question.CSAT: "How would you rate the conversation, from one to five, where five is excellent? Press one key.",
        Question.NPS: (
            "How likely are you to recommend our shop to a friend? "
            "Enter a number from zero to ten, then press the pound key."
        ),
        Question.CALLBACK: (
            "If you would like a supervisor to call you back, press one. "
            "To stop receiving these calls, press nine. Otherwise, just hang up."
        ),
    },
    not_understood="Sorry, I did not get that.",
    thanks="Thank you for your answers! Goodbye.",
)

SCRIPTS = {"ru": RUSSIAN, "en": ENGLISH}


def script_for(language: str) -> Script:
    """The tenant's language; English for a language we have no recording for."""
    return SCRIPTS.get(language.partition("-")[0].lower(), ENGLISH)
