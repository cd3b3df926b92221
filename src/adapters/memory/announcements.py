"""In-memory twin of the audience queries (reads the tables the community and ticketing twins keep)."""

from __future__ import annotations

import uuid

from adapters.memory.store import MemoryStore
from application.ports.announcements import Contact
from domain.announcements import Audience, AudienceTarget
from domain.permissions import ChapterRole


class MemoryAudienceQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def _is_member(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        return (organization_id, user_id) in self._store.memberships

    async def target(
        self, organization_id: uuid.UUID, audience: Audience, target_id: uuid.UUID
    ) -> AudienceTarget | None:
        table = {Audience.CHAPTER: "chapters", Audience.TEAM: "teams", Audience.EVENT: "events"}.get(audience)
        found = self._store.table(table).get(target_id) if table else None
        if found is None or found.organization_id != organization_id:
            return None
        return AudienceTarget(chapter_id=found.id if audience == Audience.CHAPTER else found.chapter_id)

    async def chapter_role(
        self, organization_id: uuid.UUID, chapter_id: uuid.UUID, user_id: uuid.UUID
    ) -> ChapterRole | None:
        member = self._store.table("chapter_members").get((organization_id, chapter_id, user_id))
        return member.role if member is not None else None

    async def recipients(
        self, organization_id: uuid.UUID, audience: Audience, target_id: uuid.UUID | None
    ) -> list[uuid.UUID]:
        if audience == Audience.ORG:
            users = {user for (org, user) in self._store.memberships if org == organization_id}
        elif audience == Audience.CHAPTER:
            users = {
                m.user_id
                for m in self._store.table("chapter_members").values()
                if m.organization_id == organization_id and m.chapter_id == target_id
            }
        elif audience == Audience.TEAM:
            users = {
                m.user_id
                for m in self._store.table("team_members").values()
                if m.organization_id == organization_id and m.team_id == target_id
            }
        else:
            users = {
                t.holder_id
                for t in self._store.table("tickets").values()
                if t.organization_id == organization_id and t.event_id == target_id and t.voided_at is None
            }
        return sorted((u for u in users if self._is_member(organization_id, u)), key=lambda u: u.bytes)

    async def contacts(self, organization_id: uuid.UUID, user_ids: list[uuid.UUID]) -> list[Contact]:
        contacts = []
        for user_id in sorted(set(user_ids), key=lambda u: u.bytes):
            user = self._store.users.get(user_id)
            if user is not None and self._is_member(organization_id, user_id):
                contacts.append(Contact(user_id, user.email))
        return contacts
