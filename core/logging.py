"""Structured JSON logs on stderr, with secrets redacted before anything is written."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO, cast

import structlog

from core.redaction import redact_text, redact_value


def _redact_event(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        if isinstance(value, str):
            event_dict[key] = redact_text(value)
        else:
            event_dict[key] = redact_value(value, key=key)
    return event_dict


class _CurrentStderr:
    """Writes to whatever `sys.stderr` is at the time of writing, not when logging was set up."""

    # Test runners and CLI runners swap and close stderr; a logger bound to an old stream fails.
    def write(self, text: str) -> int:
        """Write to the current stderr."""
        return sys.stderr.write(text)

    def flush(self) -> None:
        """Flush the current stderr."""
        sys.stderr.flush()


def _timestamped() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,  # tracebacks go to the log, redacted
    ]


def configure_logging(level: str = "INFO") -> None:
    """Send JSON lines to stderr; every event passes the redactor, library records too."""
    # Records of the standard library's loggers (uvicorn, Chainlit, httpx ...) are rendered
    # by the same processors, so stderr carries one format.
    handler = logging.StreamHandler(cast(TextIO, _CurrentStderr()))
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *_timestamped()],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _redact_event,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # Migration chatter is not news; failures still surface as exceptions.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request line with its full URL, and some services take their token in
    # the query (Plex's X-Plex-Token): integration requests are not logged one by one.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    structlog.configure(
        processors=[*_timestamped(), _redact_event, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> Any:
    """A structlog logger bound to a component name."""
    return structlog.get_logger(component=name)
