"""What the parties of an outbound call hear from Okno itself, in the tenant's language."""

from __future__ import annotations

from dataclasses import dataclass

from services.notify.telephony.voice import Say


@dataclass(frozen=True)
class Lines:
    voice: str  # an Amazon Polly voice Twilio offers for <Say>
    language: str
    recorded: str  # to the customer as they answer, when the tenant records and gives notice
    connecting: str  # to the operator who answered their own phone ("call my phone first")
    on_hold: str  # to the operator while the customer hears hold music
    refused: str  # a connect that is not this operator's, or too late


RUSSIAN = Lines(
    voice="Polly.Tatyana",
    language="ru-RU",
    recorded="Этот разговор записывается.",
    connecting="Соединяю с клиентом.",
    on_hold="Клиент на удержании.",
    refused="Этот звонок не может быть соединён.",
)
ENGLISH = Lines(
    voice="Polly.Joanna",
    language="en-US",
    recorded="This call is recorded.",
    connecting="Connecting you to the customer.",
    on_hold="The customer is on hold.",
    refused="This call cannot be connected.",
)


def lines_for(language: str | None) -> Lines:
    return RUSSIAN if language == "ru" else ENGLISH


def say(lines: Lines, text: str) -> Say:
    return Say(text, lines.language, lines.voice)
