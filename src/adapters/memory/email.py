"""In-memory twin of the email sender for tests and for wiring without any transport."""

from __future__ import annotations

from collections.abc import Sequence

from application.ports.email import EmailMessage


class MemoryEmailSender:
    """Keeps every message in ``sent``, in order, so tests can assert on what would have gone out."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    async def send_many(self, messages: Sequence[EmailMessage]) -> None:
        self.sent.extend(messages)
