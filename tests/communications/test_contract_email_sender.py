"""One contract, every EmailSender: the in-memory twin and SMTP against a real aiosmtpd server."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from adapters.email import SmtpEmailSender
from adapters.memory.email import MemoryEmailSender
from application.ports.email import EmailMessage, EmailSender
from tests.fixtures.smtp import SmtpServer

SENDER = "Chapterhouse <no-reply@chapterhouse.test>"


@dataclass(frozen=True)
class Delivered:
    to: str
    subject: str
    text: str
    html: str | None
    headers: dict[str, str]


@dataclass
class SenderUnderTest:
    sender: EmailSender
    delivered: Callable[[], list[Delivered]]
    connections: Callable[[], int | None]  # None where the transport has no connections


def _memory() -> SenderUnderTest:
    sender = MemoryEmailSender()
    return SenderUnderTest(
        sender,
        lambda: [Delivered(m.to, m.subject, m.text, m.html, dict(m.headers)) for m in sender.sent],
        lambda: None,
    )


def _smtp(server: SmtpServer) -> SenderUnderTest:
    def delivered() -> list[Delivered]:
        result = []
        for mail in server.handler.received:
            parsed = email.message_from_bytes(mail.content, policy=email.policy.default)
            assert mail.recipients == [parsed["To"]]
            plain = parsed.get_body(("plain",))
            html = parsed.get_body(("html",))
            result.append(
                Delivered(
                    to=str(parsed["To"]),
                    subject=str(parsed["Subject"]),
                    text=_normalized(plain.get_content()) if plain else "",
                    html=_normalized(html.get_content()) if html and html is not plain else None,
                    headers={k: str(v) for k, v in parsed.items()},
                )
            )
        return result

    sender = SmtpEmailSender(server.host, server.port, sender=SENDER, timeout=5)
    return SenderUnderTest(sender, delivered, lambda: server.handler.connections)


@pytest.fixture(params=["memory", "smtp"])
def under_test(request: pytest.FixtureRequest) -> SenderUnderTest:
    if request.param == "memory":
        return _memory()
    return _smtp(request.getfixturevalue("smtp_server"))


def _normalized(body: str) -> str:
    # SMTP transports lines as CRLF and MIME bodies end with a newline; neither is part of the contract.
    return body.replace("\r\n", "\n").rstrip("\n")


async def test_send_delivers_recipient_subject_and_text(under_test: SenderUnderTest) -> None:
    await under_test.sender.send(EmailMessage(to="ada@example.test", subject="Hello Ada", text="Line one\nLine two"))

    [mail] = under_test.delivered()
    assert mail.to == "ada@example.test"
    assert mail.subject == "Hello Ada"
    assert _normalized(mail.text) == "Line one\nLine two"
    assert mail.html is None


async def test_html_is_delivered_as_an_alternative_to_the_text(under_test: SenderUnderTest) -> None:
    message = EmailMessage(
        to="grace@example.test",
        subject="Ünïcödé subject — ok",
        text="Plain body",
        html="<p>Rich <strong>body</strong></p>",
        headers={"List-Unsubscribe": "<https://chapterhouse.test/unsubscribe/abc>"},
    )
    await under_test.sender.send(message)

    [mail] = under_test.delivered()
    assert mail.subject == "Ünïcödé subject — ok"
    assert _normalized(mail.text) == "Plain body"
    assert mail.html is not None and _normalized(mail.html) == "<p>Rich <strong>body</strong></p>"
    assert mail.headers["List-Unsubscribe"] == "<https://chapterhouse.test/unsubscribe/abc>"


async def test_send_many_delivers_every_message_over_one_connection(under_test: SenderUnderTest) -> None:
    messages = [
        EmailMessage(to=f"member{n}@example.test", subject=f"Announcement {n}", text=f"Body {n}") for n in range(50)
    ]
    await under_test.sender.send_many(messages)

    delivered = under_test.delivered()
    assert [(m.to, m.subject, _normalized(m.text)) for m in delivered] == [(m.to, m.subject, m.text) for m in messages]
    assert under_test.connections() in (None, 1)


async def test_send_many_of_nothing_sends_nothing(under_test: SenderUnderTest) -> None:
    await under_test.sender.send_many([])
    assert under_test.delivered() == []
    assert under_test.connections() in (None, 0)


async def test_smtp_envelope_sender_and_header_injection(smtp_server: SmtpServer) -> None:
    sender = SmtpEmailSender(smtp_server.host, smtp_server.port, sender=SENDER, timeout=5)
    await sender.send(EmailMessage(to="ada@example.test", subject="Hi", text="x"))
    [mail] = smtp_server.handler.received
    assert mail.mail_from == "no-reply@chapterhouse.test"

    with pytest.raises(ValueError):
        await sender.send(EmailMessage(to="ada@example.test", subject="Hi\r\nBcc: victim@example.test", text="x"))
    with pytest.raises(ValueError):
        await sender.send(EmailMessage(to="ada@example.test", subject="Hi", text="x", headers={"Bcc": "x@y.z"}))
    assert len(smtp_server.handler.received) == 1
