"""Structured JSON logs with a request id that follows a request into the messages it causes.

Logs carry ids, never personal data: our own lines bind ids only; the libraries' lines (dramatiq logs a
failing message with its whole body) go through `redact_library_record`, and phone numbers anywhere in a
line are masked as a last defence (`mask_phone` where a number must appear on purpose).
"""

from __future__ import annotations

import json
import logging
import random
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog
from dramatiq import Message as BrokerMessage
from dramatiq.broker import MessageProxy
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode()


# A phone number as people and shops write it: 10 to 15 digits, optionally with +, spaces, dashes, brackets;
# not a part of a longer token (a UUID's group, an amount, an external id such as SHOP-1234567890).
_PHONE = re.compile(r"(?<![\w.\-/:])\+?\d(?:[\s\-()]*\d){9,14}(?![\w.\-])")
# "Key (tenant_id, phone_key)=(1, +7916…) already exists", "Failing row contains (1, Zinaida, …)".
_ROW_VALUES = re.compile(r"(Key \([^)]*\)=|Failing row contains )\(.*?\)(?=[ .]|$)", re.MULTILINE)
# Library loggers whose lines we own the shape of (their own level follows the configured one).
_LIBRARY_LOGGERS = ("dramatiq",)


def mask_phone(phone: str | None) -> str:
    """`+79161234567` -> `+7*******67`: enough to tell two numbers apart in a log, not enough to call."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 5:
        return "*" * len(digits)
    prefix = "+" if phone.lstrip().startswith("+") else ""
    return f"{prefix}{digits[0]}{'*' * (len(digits) - 3)}{digits[-2:]}"


def mask_phones_in(text: str) -> str:
    return _PHONE.sub(lambda match: mask_phone(match.group(0)), text)


def redact(text: str) -> str:
    """Phones masked, and the row values PostgreSQL quotes in a constraint error's DETAIL left out."""
    text = _ROW_VALUES.sub(r"\g<1>(…)", text)
    return mask_phones_in(text)


def _redact_event(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = redact(value)
    return event


def describe_message(message: BrokerMessage[Any] | MessageProxy) -> str:
    """A dramatiq message by its ids only (its body holds names, phones and addresses)."""
    fields = [f"dramatiq_id={message.message_id}"]
    if message.args and isinstance(message.args[0], str):
        try:
            envelope = json.loads(message.args[0])
        except ValueError:
            envelope = None
        if isinstance(envelope, dict):
            fields[:0] = [f"{key}={envelope.get(key)}" for key in ("message_id", "message_type", "tenant")]
    return f"{message.actor_name}({', '.join(fields)})"


def redact_library_record(record: logging.LogRecord) -> bool:
    """A logging filter: a message passed to a library's log call is shown by its ids, not its body.

    It never raises: an exception in a filter would end the worker thread that logged."""
    try:
        if isinstance(record.args, tuple):
            record.args = tuple(
                describe_message(arg) if isinstance(arg, (BrokerMessage, MessageProxy)) else arg for arg in record.args
            )
    except Exception as error:  # keep the line, lose its arguments (they may hold the body)
        record.msg, record.args = f"{record.msg} (arguments dropped: {error.__class__.__name__})", ()
    return True


def _stderr_as_it_is_now(*_args: object) -> structlog.PrintLogger:
    """Bind to sys.stderr at each use: test runners and daemonizers swap it after logging is configured, and a
    line written to a closed stream would fail the message being processed, not just the log line."""
    return structlog.PrintLogger(sys.stderr)


def configure_logging(level: str = "INFO", *, json_output: bool = True) -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json_output else structlog.dev.ConsoleRenderer()
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, _redact_event, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=_stderr_as_it_is_now,
        cache_logger_on_first_use=False,
    )
    _route_library_logs(level, shared, renderer)


class _OknoHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler Okno puts on the root logger (replaced, not stacked, when logging is reconfigured).

    Like logging's own last-resort handler it writes to sys.stderr as it is at each line, not as it was when
    logging was configured (a worker thread may outlive the stream a test runner lent it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _stream: TextIO) -> None:
        """The stream is always the current sys.stderr; what StreamHandler's constructor passes is ignored."""


def _route_library_logs(
    level: str, shared: list[structlog.typing.Processor], renderer: structlog.typing.Processor
) -> None:
    """Libraries log through the standard library: render their lines like ours, ids only, phones masked."""
    handler = _OknoHandler(sys.stderr)
    handler.addFilter(redact_library_record)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                _redact_event,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for existing in [h for h in root.handlers if isinstance(h, _OknoHandler)]:
        root.removeHandler(existing)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)  # other libraries: warnings and errors only
    for name in _LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(level.upper())


def current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value is not None else None


class RequestIdMiddleware:
    """Take the caller's X-Request-ID (or make one), bind it to every log line and echo it back.

    Plain ASGI: `BaseHTTPMiddleware` costs a task and a stream per request (issue 13)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, _REQUEST_ID_KEY) or new_request_id()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        # bind/reset rather than `bound_contextvars`, which reads every bound variable to save and restore them
        # (issue 13: per request); the reset restores whatever request id was bound before, as that does.
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)


def new_request_id() -> str:
    """32 random hex digits. An id, not a secret: the `random` module's generator (reseeded in every process
    and after a fork) rather than uuid4's system call and UUID object, a measurable part of a hot request."""
    return f"{random.getrandbits(128):032x}"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1")) or None
    return None
