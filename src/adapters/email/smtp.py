"""SMTP email sender over aiosmtplib."""

from __future__ import annotations

import email.message
import email.policy
import email.utils
from collections.abc import Awaitable, Callable, Sequence

import aiosmtplib

from application.ports.email import EmailMessage

# Headers the sender owns: letting callers set them would allow spoofing the sender or adding recipients.
_RESERVED_HEADERS = frozenset({"from", "to", "cc", "bcc", "subject", "date", "message-id", "sender"})


class SmtpEmailSender:
    """Sends through one SMTP server; ``send_many`` reuses a single connection for the whole batch.

    A fresh connection per ``send`` keeps the sender stateless between jobs (SMTP servers drop idle
    connections anyway); batches such as announcements are where connection reuse pays.
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        timeout: float = 10.0,
        *,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        start_tls: bool | None = None,
    ) -> None:
        """``start_tls=None`` upgrades when the server offers STARTTLS; ``use_tls`` is implicit TLS (465)."""
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout
        self._username = username
        self._password = password
        self._use_tls = use_tls
        self._start_tls = start_tls

    async def send(self, message: EmailMessage) -> None:
        await self.send_many([message])

    async def send_many(self, messages: Sequence[EmailMessage]) -> None:
        if not messages:
            return
        # Build every MIME message first: a malformed one fails the batch before anything is sent.
        mime_messages = [self._to_mime(message) for message in messages]
        async with self._client() as client:
            for message, mime in zip(messages, mime_messages, strict=True):
                await client.send_message(mime, sender=self._sender, recipients=[message.to])

    async def send_each(
        self, messages: Sequence[EmailMessage], on_outcome: Callable[[int, bool], Awaitable[None]]
    ) -> None:
        if not messages:
            return
        mime_messages = [self._to_mime(message) for message in messages]
        async with self._client() as client:
            for index, (message, mime) in enumerate(zip(messages, mime_messages, strict=True)):
                try:
                    await client.send_message(mime, sender=self._sender, recipients=[message.to])
                except aiosmtplib.SMTPRecipientsRefused as refused:
                    # Permanent refusals are final for this address; a temporary one (4xx) is retried later.
                    if any(r.code < 500 for r in refused.recipients):
                        raise
                    await on_outcome(index, False)
                    continue
                await on_outcome(index, True)

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            timeout=self._timeout,
            username=self._username,
            password=self._password,
            use_tls=self._use_tls,
            start_tls=self._start_tls,
        )

    def _to_mime(self, message: EmailMessage) -> email.message.EmailMessage:
        # policy.SMTP rejects CR/LF in header values, which closes header injection through subjects.
        mime = email.message.EmailMessage(policy=email.policy.SMTP)
        mime["From"] = self._sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = email.utils.formatdate(localtime=False)
        mime["Message-ID"] = email.utils.make_msgid(domain=self._sender.rpartition("@")[2] or None)
        for name, value in message.headers.items():
            if name.lower() in _RESERVED_HEADERS:
                raise ValueError(f"header {name!r} is set by the sender, not by the message")
            mime[name] = value
        mime.set_content(message.text)
        if message.html is not None:
            # text/plain first, text/html last: clients show the last alternative they can render.
            mime.add_alternative(message.html, subtype="html")
        return mime
