"""The common voice steps as TwiML text, written straight from string pieces with XML escaping.

Twilio's `VoiceResponse` builds an ElementTree per document and serializes it; for the survey's steps (a
greeting, a question in a `<Gather>`, a redirect, a hang-up) that was a tenth of the step's CPU (issue 13).
The text is byte for byte what `VoiceResponse` writes (tests/notify/test_twiml_text.py compares them):
attributes in sorted order, `true`/`false` for booleans, ElementTree's escaping, `<Name />` when empty.
Steps this module does not write (bridges, queues) leave the document to `VoiceResponse` (`twiml.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from services.notify.telephony.voice import AskDigits, Hangup, Pause, Play, Redirect, Say, VoiceStep

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# ElementTree's attribute escaping beyond `& < >`: quotes, and line breaks and tabs as character references.
_IN_ATTRIBUTE = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}
_PLAIN = (Say, Play, Pause, AskDigits, Redirect, Hangup)
Attribute = str | int | bool | None


def plain_document(steps: Sequence[VoiceStep]) -> str | None:
    """The `<Response>` of `steps`, or None when one of them is not a kind written here."""
    if not all(isinstance(step, _PLAIN) for step in steps):
        return None
    body = "".join(_step(step) for step in steps)
    return DECLARATION + (f"<Response>{body}</Response>" if body else "<Response />")


def _step(step: VoiceStep) -> str:
    if isinstance(step, Say):
        return _element("Say", step.text, language=step.language, voice=step.voice)
    if isinstance(step, Play):
        return _element("Play", step.url, loop=step.loop)
    if isinstance(step, Pause):
        return _element("Pause", None, length=step.seconds)
    if isinstance(step, AskDigits):
        prompts = "".join(_step(prompt) for prompt in step.prompts)
        return _element(
            "Gather",
            prompts,
            escaped=True,
            action=step.action,
            finishOnKey=step.finish_on_key,
            input="dtmf",
            method="POST",
            numDigits=step.num_digits or None,
            timeout=step.timeout,
        )
    if isinstance(step, Redirect):
        return _element("Redirect", step.url, method="POST")
    assert isinstance(step, Hangup), step
    return _element("Hangup", None)


def _element(name: str, content: str | None, *, escaped: bool = False, **attributes: Attribute) -> str:
    pairs = "".join(f' {key}="{_attribute(value)}"' for key, value in sorted(attributes.items()) if value is not None)
    if not content:  # VoiceResponse leaves out an empty text
        return f"<{name}{pairs} />"
    return f"<{name}{pairs}>{content if escaped else escape(content)}</{name}>"


def _attribute(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value), _IN_ATTRIBUTE)
