"""Email delivery adapters: SMTP, log (dev), and the templates that render messages."""

from adapters.email.log import LogEmailSender
from adapters.email.smtp import SmtpEmailSender
from adapters.email.templates import EmailTemplates

__all__ = ["EmailTemplates", "LogEmailSender", "SmtpEmailSender"]
