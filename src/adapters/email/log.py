"""Dev-mode email sender: writes messages to the log instead of an SMTP server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from application.ports.email import EmailMessage


class LogEmailSender:
    """Logs each message at INFO, body included, so a developer can follow links (invitations) locally."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger("chapterhouse.email")

    async def send(self, message: EmailMessage) -> None:
        self._logger.info(
            "email to=%s subject=%r headers=%s\n%s%s",
            message.to,
            message.subject,
            message.headers,
            message.text,
            "\n[html alternative attached]" if message.html is not None else "",
        )

    async def send_many(self, messages: Sequence[EmailMessage]) -> None:
        for message in messages:
            await self.send(message)

    async def send_each(
        self, messages: Sequence[EmailMessage], on_outcome: Callable[[int, bool], Awaitable[None]]
    ) -> None:
        for index, message in enumerate(messages):
            await self.send(message)
            await on_outcome(index, True)
