"""Renders the product's emails as plain text plus HTML, with every interpolated value HTML-escaped.

string.Template (stdlib) keeps this dependency-free; the templates are small and fixed. Values come from
users (organization names, announcement bodies), so the HTML side escapes each one, and links are
restricted to http(s) so a crafted URL cannot become a ``javascript:`` link.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from string import Template
from urllib.parse import urlsplit

from application.ports.email import EmailMessage


@dataclass(frozen=True)
class _EmailTemplate:
    subject: Template
    text: Template
    html: Template


_LAYOUT = Template('<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">$content</body></html>')

_INVITATION = _EmailTemplate(
    subject=Template("$inviter invited you to join $organization"),
    text=Template(
        "$inviter invited you to join $organization on Chapterhouse as $role.\n\n"
        "Accept the invitation:\n$accept_url\n\n"
        "If you did not expect this email, you can ignore it.\n"
    ),
    html=Template(
        "<p>$inviter invited you to join <strong>$organization</strong> on Chapterhouse as $role.</p>"
        '<p><a href="$accept_url">Accept the invitation</a></p>'
        "<p>If you did not expect this email, you can ignore it.</p>"
    ),
)

_ORDER_CONFIRMATION = _EmailTemplate(
    subject=Template("Your tickets for $event"),
    text=Template("Thank you for your order. Your tickets for $event:\n\n$ticket_lines\n"),
    html=Template("<p>Thank you for your order. Your tickets for <strong>$event</strong>:</p><ul>$ticket_items</ul>"),
)

_ANNOUNCEMENT = _EmailTemplate(
    subject=Template("[$organization] $subject"),
    text=Template("$body\n\n-- \nSent by $organization via Chapterhouse\n"),
    html=Template("$body_html<hr><p><small>Sent by $organization via Chapterhouse</small></p>"),
)

_EVENT_REMINDER = _EmailTemplate(
    subject=Template("Reminder: $event starts $starts_at"),
    text=Template("This is a reminder that $event starts $starts_at.\n"),
    html=Template("<p>This is a reminder that <strong>$event</strong> starts $starts_at.</p>"),
)

_PASSWORD_RESET = _EmailTemplate(
    subject=Template("Reset your Chapterhouse password"),
    text=Template(
        "Hello $name,\n\nSomeone asked to reset the password of your Chapterhouse account.\n"
        "Choose a new password within the hour:\n$url\n\n"
        "If it was not you, ignore this email: your password stays as it is.\n"
    ),
    html=Template(
        "<p>Hello $name,</p><p>Someone asked to reset the password of your Chapterhouse account.</p>"
        '<p><a href="$url">Choose a new password</a> within the hour.</p>'
        "<p>If it was not you, ignore this email: your password stays as it is.</p>"
    ),
)

_EMAIL_VERIFICATION = _EmailTemplate(
    subject=Template("Confirm your email address"),
    text=Template("Hello $name,\n\nConfirm the email address of your Chapterhouse account:\n$url\n"),
    html=Template(
        '<p>Hello $name,</p><p><a href="$url">Confirm the email address</a> of your Chapterhouse account.</p>'
    ),
)


class EmailTemplates:
    """One method per email the product sends; each returns a ready ``EmailMessage``."""

    def invitation(
        self, *, to: str, organization_name: str, inviter_name: str, accept_url: str, role: str
    ) -> EmailMessage:
        return self._render(
            _INVITATION,
            to,
            {
                "organization": organization_name,
                "inviter": inviter_name,
                "accept_url": _checked_url(accept_url),
                "role": role,
            },
        )

    def order_confirmation(self, *, to: str, event_title: str, ticket_codes: Sequence[str]) -> EmailMessage:
        return self._render(
            _ORDER_CONFIRMATION,
            to,
            {"event": event_title},
            text_only={"ticket_lines": "\n".join(f"- {code}" for code in ticket_codes)},
            html_only={"ticket_items": "".join(f"<li><code>{html.escape(c)}</code></li>" for c in ticket_codes)},
        )

    def announcement(self, *, to: str, organization_name: str, subject: str, body: str) -> EmailMessage:
        return self._render(
            _ANNOUNCEMENT,
            to,
            {"organization": organization_name, "subject": subject},
            text_only={"body": body},
            html_only={"body_html": _paragraphs(body)},
        )

    def event_reminder(self, *, to: str, event_title: str, starts_at: datetime) -> EmailMessage:
        # Include the zone name when known: a reminder with an ambiguous time is worse than none.
        when = starts_at.strftime("%A %d %B %Y at %H:%M")
        if starts_at.tzinfo is not None:
            when = f"{when} {starts_at.tzname()}"
        return self._render(_EVENT_REMINDER, to, {"event": event_title, "starts_at": when})

    def password_reset(self, *, to: str, name: str, url: str) -> EmailMessage:
        return self._render(_PASSWORD_RESET, to, {"name": name, "url": _checked_url(url)})

    def email_verification(self, *, to: str, name: str, url: str) -> EmailMessage:
        return self._render(_EMAIL_VERIFICATION, to, {"name": name, "url": _checked_url(url)})

    @staticmethod
    def _render(
        template: _EmailTemplate,
        to: str,
        values: Mapping[str, str],
        *,
        text_only: Mapping[str, str] | None = None,
        html_only: Mapping[str, str] | None = None,
    ) -> EmailMessage:
        """``values`` go everywhere (escaped in HTML); ``html_only`` values are already safe HTML."""
        # Subjects are one line: collapse whitespace so a newline in a name cannot break the header.
        subject = template.subject.substitute({k: " ".join(v.split()) for k, v in values.items()})
        text = template.text.substitute({**values, **(text_only or {})})
        escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
        body_html = template.html.substitute({**escaped, **(html_only or {})})
        return EmailMessage(to=to, subject=subject, text=text, html=_LAYOUT.substitute(content=body_html))


def _checked_url(url: str) -> str:
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"links in emails must be http(s): {url!r}")
    return url


def _paragraphs(text: str) -> str:
    """Plain text to HTML: blank lines separate paragraphs, single newlines become line breaks."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    return "".join("<p>" + html.escape(block).replace("\n", "<br>") + "</p>" for block in blocks)
