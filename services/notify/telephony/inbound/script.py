"""What an inbound caller hears, in the tenant's language (Russian and English), and with which voice."""

from __future__ import annotations

from dataclasses import dataclass

from services.notify.telephony.voice import Say

CALLBACK_KEY = "1"


@dataclass(frozen=True)
class InboundScript:
    voice: str  # Amazon Polly voices Twilio offers for <Say>
    language: str
    announcement: str  # the call is recorded (when the tenant records and asks for the notice)
    position: str  # "{position}" = the caller's place in the queue
    callback_offer: str
    callback_confirmed: str
    type_number: str  # the caller's number is withheld: ask for one to call back
    number_not_understood: str
    queue_timeout: str
    closed: str
    closed_no_number: str
    not_in_service: str

    def say(self, text: str) -> Say:
        return Say(text, self.language, self.voice)


RUSSIAN = InboundScript(
    voice="Polly.Tatyana",
    language="ru-RU",
    announcement="Разговор может быть записан для контроля качества обслуживания.",
    position="Все операторы заняты. Ваш номер в очереди: {position}. Пожалуйста, оставайтесь на линии.",
    callback_offer="Чтобы мы перезвонили вам, нажмите один.",
    callback_confirmed="Спасибо! Мы перезвоним вам в ближайшее время. До свидания.",
    type_number="Введите номер телефона, по которому вам перезвонить, и нажмите решётку.",
    number_not_understood="Извините, этот номер не удалось распознать.",
    queue_timeout="Извините, что заставили вас ждать. Мы перезвоним вам в ближайшее время. До свидания.",
    closed="Сейчас мы не принимаем звонки. Мы перезвоним вам, как только сможем. До свидания.",
    closed_no_number="Сейчас мы не принимаем звонки. Пожалуйста, позвоните позже. До свидания.",
    not_in_service="Этот номер не обслуживается. До свидания.",
)

ENGLISH = InboundScript(
    voice="Polly.Joanna",
    language="en-US",
    announcement="This call may be recorded for quality purposes.",
    position="All our operators are busy. You are number {position} in the queue. Please stay on the line.",
    callback_offer="To be called back instead, press one.",
    callback_confirmed="Thank you! We will call you back shortly. Goodbye.",
    type_number="Please enter the number we should call you back on, then press the pound key.",
    number_not_understood="Sorry, we could not recognise that number.",
    queue_timeout="Sorry to keep you waiting. We will call you back shortly. Goodbye.",
    closed="We are not taking calls right now. We will call you back as soon as we can. Goodbye.",
    closed_no_number="We are not taking calls right now. Please call again later. Goodbye.",
    not_in_service="This number is not in service. Goodbye.",
)

SCRIPTS = {"ru": RUSSIAN, "en": ENGLISH}


def script_for(language: str) -> InboundScript:
    return SCRIPTS.get(language.partition("-")[0].lower(), ENGLISH)
