"""In-memory twin of the email sender for tests and for wiring without any transport."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from application.ports.email import EmailMessage


class MemoryEmailSender:
    """Keeps every message in ``sent``, in order, so tests can assert on what would have gone out.

    Addresses in ``refused`` are refused for good by ``send_each``, as an SMTP server's 5xx would be."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.refused: set[str] = set()

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    async def send_many(self, messages: Sequence[EmailMessage]) -> None:
        self.sent.extend(messages)

    async def send_each(
        self, messages: Sequence[EmailMessage], on_outcome: Callable[[int, bool], Awaitable[None]]
    ) -> None:
        for index, message in enumerate(messages):
            accepted = message.to not in self.refused
            if accepted:
                self.sent.append(message)
            await on_outcome(index, accepted)
