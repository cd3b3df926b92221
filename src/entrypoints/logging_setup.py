from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from adapters.observability.log_redaction import redact_secrets

LOG_FORMATS = ("json", "console")
# Libraries that log routine work at INFO (every scheduled kick, three lines per Stripe call): an idle process
# stays quiet, a busy one logs its own lines; LOG_LEVEL=DEBUG shows them all again.
_CHATTY_LOGGERS = ("taskiq.cli.scheduler", "taskiq.scheduler", "stripe", "httpx")


class _QuietScheduledRuns(logging.Filter):
    """Job runs stay logged (with their job id), except the periodic maintenance ones the schedule starts every
    minute or so whether anything happens or not: those are the chatter of an idle process."""

    def __init__(self) -> None:
        super().__init__()
        from adapters.queue.tasks import SCHEDULES

        self._periodic = tuple(f"Executing task {name} " for name in SCHEDULES)

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or not record.getMessage().startswith(self._periodic)


def resolve_format(log_format: str | None, stream: Any = None) -> str:
    """LOG_FORMAT when set; else readable lines for a person at a terminal, JSON for everything else."""
    if log_format:
        return log_format
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return "console" if callable(isatty) and isatty() else "json"


def configure_logging(level: str = "INFO", *, log_format: str | None = None) -> None:
    """One line per event on stdout (JSON or console); stdlib loggers (uvicorn, alembic) go through the same
    chain, and every line passes the secret redaction last before rendering."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    fmt = resolve_format(log_format)
    renderer: Any = structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, redact_secrets, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_secrets,
                renderer,
            ],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet = logging.DEBUG if logging.getLevelName(level) == logging.DEBUG else logging.WARNING
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
    runs = logging.getLogger("taskiq.receiver.receiver")
    runs.filters[:] = [f for f in runs.filters if not isinstance(f, _QuietScheduledRuns)]
    if quiet != logging.DEBUG:
        runs.addFilter(_QuietScheduledRuns())
