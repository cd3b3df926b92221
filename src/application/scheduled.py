"""Scheduled work of communications: event reminders and the purge of expired invitations.

Both are safe to run twice at once (two schedulers by mistake, or a slow run overlapping the next): a
reminder is claimed per (event, holder) before it is sent, and a purge is a DELETE with a condition.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from application.ports.clock import Clock
from application.ports.email import EmailComposer, EmailSender
from application.ports.jobs import ProcessedEvents
from application.ports.scheduled import MaintenanceQueries, ReminderDue

logger = logging.getLogger(__name__)

REMINDER_LEAD = timedelta(hours=24)
# Invitations stay visible (as expired) for a while after they expire, then go.
INVITATION_RETENTION = timedelta(days=30)
_REMINDER_KEYS = uuid.UUID("5b0c8f8e-7a43-4c55-9a59-8c3c2c8f1d10")


def reminder_key(reminder: ReminderDue) -> uuid.UUID:
    """One idempotency key per (event, holder, start time): a rescheduled event reminds again."""
    return uuid.uuid5(_REMINDER_KEYS, f"{reminder.event_id}:{reminder.user_id}:{reminder.starts_at.isoformat()}")


class SendEventReminders:
    """Emails each ticket holder once, in the 24 hours before the event starts."""

    handler_name = "email.event_reminder"

    def __init__(
        self,
        queries: MaintenanceQueries,
        processed: ProcessedEvents,
        composer: EmailComposer,
        sender: EmailSender,
        clock: Clock,
    ) -> None:
        self._queries, self._processed = queries, processed
        self._composer, self._sender, self._clock = composer, sender, clock

    async def execute(self) -> int:
        now = self._clock.now()
        sent = 0
        for organization_id in await self._queries.organization_ids():
            for reminder in await self._queries.reminders_due(organization_id, now, now + REMINDER_LEAD):
                async with self._processed.claim(self.handler_name, reminder_key(reminder)) as first_time:
                    if not first_time:
                        continue
                    await self._sender.send(
                        self._composer.event_reminder(
                            to=reminder.email,
                            event_title=reminder.event_title,
                            starts_at=_local(reminder),
                        )
                    )
                    sent += 1
        return sent


def _local(reminder: ReminderDue) -> datetime:
    """The start in the event's own time zone: that is the time attendees plan by."""
    try:
        return reminder.starts_at.astimezone(ZoneInfo(reminder.timezone))
    except (KeyError, ValueError):
        return reminder.starts_at


class PurgeExpiredInvitations:
    def __init__(self, queries: MaintenanceQueries, clock: Clock) -> None:
        self._queries, self._clock = queries, clock

    async def execute(self) -> int:
        cutoff = self._clock.now() - INVITATION_RETENTION
        purged = 0
        for organization_id in await self._queries.organization_ids():
            purged += await self._queries.purge_expired_invitations(organization_id, cutoff)
        if purged:
            logger.info("purged %d expired invitations", purged)
        return purged
