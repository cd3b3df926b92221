"""Announcements: a subject and a body sent to an audience (organization, chapter, team, event's holders)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import InvalidInput, PermissionDenied
from domain.events import Aggregate, DomainEvent
from domain.identity import check_text
from domain.ids import new_id
from domain.permissions import Actor, ChapterRole, Permission

ANNOUNCEMENT_CREATED = "announcement.created"
MAX_SUBJECT = 200
MAX_BODY = 10_000


class Audience(StrEnum):
    ORG = "org"
    CHAPTER = "chapter"
    TEAM = "team"
    EVENT = "event"


@dataclass(frozen=True)
class AudienceTarget:
    """What the audience is about, as far as permissions care: the chapter it belongs to (if any)."""

    chapter_id: uuid.UUID | None


def authorize(actor: Actor, audience: Audience, target: AudienceTarget, chapter_role: ChapterRole | None) -> None:
    """Admins (and owners) announce to anyone; a chapter's lead to that chapter, its teams and its events."""
    if actor.can(Permission.MEMBERS_MANAGE):
        return
    if audience != Audience.ORG and target.chapter_id is not None and chapter_role == ChapterRole.LEAD:
        return
    raise PermissionDenied("only admins, or the leads of this chapter, may announce to this audience")


@dataclass(eq=False)
class Announcement(Aggregate):
    organization_id: uuid.UUID
    author_id: uuid.UUID
    audience: Audience
    target_id: uuid.UUID | None
    subject: str
    body: str
    created_at: datetime
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def validate(cls, audience: Audience, target_id: uuid.UUID | None, subject: str, body: str) -> tuple[str, str]:
        if audience == Audience.ORG and target_id is not None:
            raise InvalidInput("an announcement to the organization takes no target_id")
        if audience != Audience.ORG and target_id is None:
            raise InvalidInput(f"an announcement to a {audience.value} needs a target_id")
        subject = " ".join(check_text(subject, "subject").split())
        body = check_text(body, "body").strip()
        if not subject or len(subject) > MAX_SUBJECT:
            raise InvalidInput(f"subject must have 1 to {MAX_SUBJECT} characters")
        if not body or len(body) > MAX_BODY:
            raise InvalidInput(f"body must have 1 to {MAX_BODY} characters")
        return subject, body

    @classmethod
    def post(
        cls,
        actor: Actor,
        *,
        audience: Audience,
        target_id: uuid.UUID | None,
        target: AudienceTarget,
        chapter_role: ChapterRole | None,
        subject: str,
        body: str,
        now: datetime,
    ) -> Announcement:
        subject, body = cls.validate(audience, target_id, subject, body)
        authorize(actor, audience, target, chapter_role)
        announcement = cls(
            organization_id=actor.organization_id,
            author_id=actor.user_id,
            audience=audience,
            target_id=target_id,
            subject=subject,
            body=body,
            created_at=now,
        )
        announcement.record(
            DomainEvent(
                name=ANNOUNCEMENT_CREATED,
                organization_id=actor.organization_id,
                payload={
                    "announcement_id": str(announcement.id),
                    "audience": audience.value,
                    "target_id": str(target_id) if target_id else None,
                    "subject": subject,
                    "body": body,
                },
                actor_id=actor.user_id,
            )
        )
        return announcement
