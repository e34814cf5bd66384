"""The development email backend: each message is one INFO log line (``steward.mail``) with its
recipients, subject, headers and body — readable among the other log lines, in JSON too, where
Django's console backend printed it raw (and Celery's worker relabelled the print a WARNING)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

log = logging.getLogger("steward.mail")


class LoggingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            recipients = ", ".join(message.recipients())
            headers = "".join(f"{k}: {v}\n" for k, v in (message.extra_headers or {}).items())
            log.info(
                "Email to %s: %s\n%s\n%s",
                recipients,
                message.subject,
                headers,
                message.body,
                extra={"email_to": recipients, "email_subject": message.subject},
            )
        return len(email_messages)
