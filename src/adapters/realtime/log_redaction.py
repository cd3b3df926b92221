"""Keep socket tokens out of logs: uvicorn logs every WebSocket handshake with its query string
(`"WebSocket /ws?token=..." [accepted]`) on `uvicorn.error`, whatever `access_log` says."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"(token=)[^&\s\"]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "token=" in a for a in record.args):
            record.args = tuple(_TOKEN.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str) and "token=" in record.msg:
            record.msg = _TOKEN.sub(r"\1[redacted]", record.msg)
        return True


def redact_socket_tokens(logger_name: str = "uvicorn.error") -> None:
    """Idempotent: installs the filter once on the logger."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
