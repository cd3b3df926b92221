"""Outgoing email, as the application sees it: a message value and a sender port."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class EmailMessage:
    """One email to one recipient. ``html`` adds an HTML alternative to the plain-text body."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class EmailSender(Protocol):
    """Delivers email. Implementations raise on failure; callers (jobs) decide whether to retry."""

    async def send(self, message: EmailMessage) -> None: ...

    async def send_many(self, messages: Sequence[EmailMessage]) -> None:
        """Send a batch; transports that have connections use one for the whole batch."""
        ...


class EmailComposer(Protocol):
    """Renders the product's emails (plain text + HTML); the adapter owns wording and escaping."""

    def invitation(
        self, *, to: str, organization_name: str, inviter_name: str, accept_url: str, role: str
    ) -> EmailMessage: ...

    def announcement(self, *, to: str, organization_name: str, subject: str, body: str) -> EmailMessage: ...

    def event_reminder(self, *, to: str, event_title: str, starts_at: datetime) -> EmailMessage: ...

    def order_confirmation(self, *, to: str, event_title: str, ticket_codes: Sequence[str]) -> EmailMessage: ...

    def password_reset(self, *, to: str, name: str, url: str) -> EmailMessage: ...

    def email_verification(self, *, to: str, name: str, url: str) -> EmailMessage: ...
