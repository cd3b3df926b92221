"""Dev-mode email sender: no SMTP server; each message is written to a file a developer can open."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from application.ports.email import EmailMessage


class LogEmailSender:
    """Logs who gets what (never the body: it carries invitation tokens and ticket codes) and, with a directory,
    saves the whole message there as `<time>-<id>.txt`, so links (invitations) can still be followed locally."""

    def __init__(self, logger: logging.Logger | None = None, directory: Path | None = None) -> None:
        self._logger = logger or logging.getLogger("chapterhouse.email")
        self._directory = directory

    async def send(self, message: EmailMessage) -> None:
        saved = self._save(message) if self._directory is not None else None
        self._logger.info(
            "email to=%s subject=%r%s", message.to, message.subject, f" saved to {saved}" if saved else ""
        )

    async def send_many(self, messages: Sequence[EmailMessage]) -> None:
        for message in messages:
            await self.send(message)

    def _save(self, message: EmailMessage) -> Path:
        assert self._directory is not None
        self._directory.mkdir(parents=True, exist_ok=True)
        path = self._directory / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.txt"
        headers = "".join(f"{name}: {value}\n" for name, value in message.headers.items())
        path.write_text(f"To: {message.to}\nSubject: {message.subject}\n{headers}\n{message.text}\n", encoding="utf-8")
        return path
