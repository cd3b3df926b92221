"""Email templates: every email renders text and HTML, and user-supplied values cannot inject markup."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.email import EmailTemplates, LogEmailSender

templates = EmailTemplates()
HOSTILE = '<script>alert("x")</script> & Co'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"


def test_invitation_has_link_role_and_escaped_names() -> None:
    mail = templates.invitation(
        to="new@example.test",
        organization_name=HOSTILE,
        inviter_name="Ada <ada@example.test>",
        accept_url="https://chapterhouse.test/invitations/abc?token=1&x=2",
        role="admin",
    )
    assert mail.to == "new@example.test"
    assert mail.subject == f"Ada <ada@example.test> invited you to join {HOSTILE}"
    assert "https://chapterhouse.test/invitations/abc?token=1&x=2" in mail.text
    assert "as admin" in mail.text
    assert mail.html is not None
    assert ESCAPED in mail.html and "<script>" not in mail.html
    assert "Ada &lt;ada@example.test&gt;" in mail.html
    assert 'href="https://chapterhouse.test/invitations/abc?token=1&amp;x=2"' in mail.html


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "//evil.test/x"])
def test_invitation_refuses_non_http_links(url: str) -> None:
    with pytest.raises(ValueError):
        templates.invitation(to="a@b.c", organization_name="Org", inviter_name="Ada", accept_url=url, role="member")


def test_order_confirmation_lists_every_ticket_code() -> None:
    mail = templates.order_confirmation(to="buyer@example.test", event_title="Gala & Ball", ticket_codes=["A1", "<B2>"])
    assert mail.subject == "Your tickets for Gala & Ball"
    assert "- A1\n- <B2>" in mail.text
    assert mail.html is not None
    assert "<li><code>A1</code></li><li><code>&lt;B2&gt;</code></li>" in mail.html
    assert "Gala &amp; Ball" in mail.html


def test_announcement_keeps_paragraphs_and_escapes_the_body() -> None:
    body = "First line\nsecond line\n\n<b>not bold</b>"
    mail = templates.announcement(to="m@example.test", organization_name="Chess Club", subject="News\nflash", body=body)
    assert mail.subject == "[Chess Club] News flash"  # a newline cannot reach the Subject header
    assert mail.text.startswith(body)
    assert mail.html is not None
    assert "<p>First line<br>second line</p><p>&lt;b&gt;not bold&lt;/b&gt;</p>" in mail.html


def test_event_reminder_shows_time_with_zone() -> None:
    mail = templates.event_reminder(
        to="m@example.test", event_title="AGM", starts_at=datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
    )
    assert mail.subject == "Reminder: AGM starts Thursday 03 December 2026 at 18:30 UTC"
    assert mail.html is not None and "<strong>AGM</strong>" in mail.html


async def test_log_sender_logs_the_recipient_and_saves_the_body_to_a_file(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    sender = LogEmailSender(logging.getLogger("test.email"), directory=tmp_path)
    with caplog.at_level(logging.INFO, logger="test.email"):
        await sender.send_many(
            [
                templates.event_reminder(
                    to="m@example.test",
                    event_title="AGM",
                    starts_at=datetime(2026, 12, 3, 18, 30, tzinfo=UTC),
                )
            ]
        )
    assert "to=m@example.test" in caplog.text and "This is a reminder that AGM" not in caplog.text
    [saved] = await asyncio.to_thread(lambda: list(tmp_path.iterdir()))
    assert str(saved) in caplog.text
    assert "This is a reminder that AGM" in await asyncio.to_thread(saved.read_text, encoding="utf-8")
