"""Reading account links out of the emails the SMTP test server received."""

from __future__ import annotations

import re
from email.message import EmailMessage as MimeMessage
from urllib.parse import unquote

from tests.jobs.conftest import SmtpSink

RESET_SUBJECT = "Reset your Chapterhouse password"
VERIFY_SUBJECT = "Confirm your email address"
_TOKEN = re.compile(r"#token=([A-Za-z0-9_%-]+)")


def mails(sink: SmtpSink, address: str, subject: str) -> list[MimeMessage]:
    return [m for m in sink.to(address) if m["Subject"] == subject]


def token_in(message: MimeMessage) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    found = _TOKEN.search(text)
    assert found is not None, text
    return unquote(found.group(1))


def tampered(token: str) -> str:
    """The same token with one signature character changed."""
    last = token[-3]
    return token[:-3] + ("B" if last != "B" else "C") + token[-2:]
