"""The public calendar feed (RFC 5545) with the icalendar library: local times with their VTIMEZONEs,
UIDs that never change for an event, cancelled events kept as STATUS:CANCELLED so calendars drop them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import icalendar

from application.public_events import PublicCalendarView

PRODID = "-//Chapterhouse//Public events//EN"


def render_calendar(view: PublicCalendarView, *, uid_domain: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", view.organization.name)
    for row in view.events:
        zone = ZoneInfo(row.timezone)
        event = icalendar.Event()
        event.add("uid", f"{row.id}@{uid_domain}")
        # The creation time, not the feed's: the same event renders the same bytes (a stable ETag).
        event.add("dtstamp", row.created_at)
        event.add("dtstart", row.starts_at.astimezone(zone))
        event.add("dtend", row.ends_at.astimezone(zone))
        event.add("summary", row.title)
        if row.description:
            event.add("description", row.description)
        location = row.venue or row.online_url
        if location:
            event.add("location", location)
        if row.online_url:
            event.add("url", row.online_url)
        event.add("status", "CANCELLED" if row.status == "cancelled" else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
