"""Logging set-up: the platform's own loggers in text or JSON lines, spyne kept quiet, and events.

An event is one log line made of fields (`log_event`): in text `name key=value ...`, in JSON one
object per line with the fields as members. The fields of the SOAP call being served (client
address, service.operation: `call_fields`) are added to every event logged while it runs, so a
security event says who asked without the services knowing about HTTP.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from emall_ws.config import Settings

ACCESS_LOGGER = "emall_ws.access"
SECURITY_LOGGER = "emall_ws.security"

# spyne and zeep loggers that write raw message text (which can carry passwords) or client
# mistakes with tracebacks; the platform logs what it needs itself.
_QUIET = ("spyne.protocol.xml.invalid", "spyne.protocol.soap.soap11.invalid",
          "spyne.application.client", "spyne.server.wsgi", "spyne.protocol.xml",
          "spyne.protocol.soap.soap11", "spyne.interface", "spyne.util.appreg",
          # a traceback for every Server.* fault, the mapped ones (PartnerUnavailable) included: the
          # access line records each, and call_wrapper logs an unexpected error with its traceback
          "spyne.application",
          # a traceback for every fault found while reading a request (a date out of range): the caller's
          # mistake, answered and recorded on the access line
          "spyne.server._base",
          # zeep: whole partner messages (SMS texts carry codes) and a traceback per odd value
          "zeep.transports", "zeep.xsd.types.simple")
# spyne's start-up chatter: "Initializing application ..." once per service and process (INFO on
# spyne.application), its type registry at DEBUG (spyne.model.*): warnings and worse still show
_CHATTY = ("spyne", "alembic")  # alembic: two lines per revision step; `emall-ws migrate` says what it did
_PLAIN_VALUE = re.compile(r"[\w.:@/+?\-]+")
_call_fields: ContextVar[dict[str, Any] | None] = ContextVar("emall_call_fields", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the event's
    fields; a traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger: message`, the time formatted once per second rather than once per line
    (an access line is written for every call)."""

    _second: tuple[int, str] = (-1, "")

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if self._second[0] != second:
            self._second = (second, time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second)))
        return f"{self._second[1]},{int(record.msecs):03d}"


class PlatformHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure_logging adds, told apart from any other."""


def configure_logging(level: str = "INFO", settings: Settings | None = None) -> None:
    """Root logging to stderr in the settings' EMALL_LOG_FORMAT (read from the environment when no
    settings are given), at `level` for the platform's own loggers; idempotent."""
    if settings is None:
        from emall_ws.config import Settings

        settings = Settings.from_env()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, PlatformHandler)]:
        root.removeHandler(handler)  # configured again (tests, a re-created app): replace, not add
    handler = PlatformHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    # what no line of ours shows, so no record gathers it: the caller's frame, thread, process and
    # asyncio task names (the logging HOWTO's "Optimization"; a quarter of an access line's cost)
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.logAsyncioTasks = False  # type: ignore[attr-defined]  # Python 3.12+; harmless before
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("emall_ws").setLevel(level)
    # the access line is INFO whatever the level, unless EMALL_ACCESS_LOG=0
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO if settings.access_log else logging.WARNING)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL)


@contextmanager
def call_fields(**fields: Any) -> Iterator[dict[str, Any]]:
    """Within it, every event also carries `fields` (those of the SOAP call being served); yields them
    as they grow (add_call_fields), for what is written once the call is over (its access line)."""
    current = dict(fields)
    token = _call_fields.set(current)
    try:
        yield current
    finally:
        _call_fields.reset(token)


def add_call_fields(**fields: Any) -> None:
    """More fields for the rest of the current call's events (e.g. the member, once authenticated);
    nothing outside a call; None values are left out, as in log_event."""
    current = _call_fields.get()
    if current is not None:
        current.update({key: value for key, value in fields.items() if value is not None})


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """One event line; None fields are left out. Values are quoted (JSON string escapes) unless
    plain, so text typed by a caller (a username) can never forge a line or a field."""
    if not logger.isEnabledFor(level):
        return
    merged = {"event": event, **(_call_fields.get() or {}),
              **{k: v for k, v in fields.items() if v is not None}}
    text = " ".join(f"{key}={_text_value(value)}" for key, value in merged.items() if key != "event")
    logger.log(level, "%s %s", event, text, extra={"fields": merged})


def _text_value(value: Any) -> str:
    text = str(value)
    return text if _PLAIN_VALUE.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def security_event(event: str, level: int = logging.WARNING, **fields: Any) -> None:
    """A security event (failed login, refusal, suspension ...) on the emall_ws.security logger."""
    log_event(logging.getLogger(SECURITY_LOGGER), event, level, **fields)
