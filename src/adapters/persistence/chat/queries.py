"""Read side of chat and notifications, and the SQL ChannelAccessPolicy: asyncpg on the request's connection.

The transaction's tenant (app.organization_id) and user (app.user_id) were set by app_authenticate_scoped();
RLS stands behind every WHERE here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from adapters.persistence.connection import RequestConnection
from application.ports.chat import AuthorView, ChannelView, MessageView
from application.ports.notifications import NotificationView
from domain.chat import ChannelRef, ChannelScope, may_read_channel
from domain.permissions import Actor, Permission

_ORGANIZATION_OF = """
SELECT c.organization_id
FROM channels c JOIN memberships m ON m.organization_id = c.organization_id AND m.user_id = $1
WHERE c.id = $2
"""

_TARGET_EXISTS = {
    "chapter": "SELECT EXISTS (SELECT 1 FROM chapters WHERE organization_id = $1 AND id = $2)",
    "team": "SELECT EXISTS (SELECT 1 FROM teams WHERE organization_id = $1 AND id = $2)",
    "event": "SELECT EXISTS (SELECT 1 FROM events WHERE organization_id = $1 AND id = $2)",
}

_CHANNEL = """
SELECT id, organization_id, name, scope, target_id, created_at, last_message_id
FROM channels WHERE organization_id = $1 AND id = $2
"""

# The facts of the access rule (domain.chat.may_read_channel) about channel `c` and user {user}; the policy
# and the channel list share them, so a list never shows a channel the policy would refuse.
_EXPLICIT_MEMBER = """EXISTS (
    SELECT 1 FROM channel_members cm
    WHERE cm.organization_id = c.organization_id AND cm.channel_id = c.id AND cm.user_id = {user})"""
_TARGET_MEMBER = """CASE c.scope
    WHEN 'chapter' THEN EXISTS (
        SELECT 1 FROM chapter_members x
        WHERE x.organization_id = c.organization_id AND x.chapter_id = c.target_id AND x.user_id = {user})
    WHEN 'team' THEN EXISTS (
        SELECT 1 FROM team_members x
        WHERE x.organization_id = c.organization_id AND x.team_id = c.target_id AND x.user_id = {user})
    WHEN 'event' THEN EXISTS (
        SELECT 1 FROM events e
        WHERE e.organization_id = c.organization_id AND e.id = c.target_id AND e.created_by = {user})
      OR EXISTS (
        SELECT 1 FROM tickets t
        WHERE t.organization_id = c.organization_id AND t.event_id = c.target_id AND t.holder_id = {user}
          AND t.voided_at IS NULL)
    ELSE false END"""

_ACCESS_FACTS = f"""
SELECT {_EXPLICIT_MEMBER.format(user="$3")} AS explicit_member, {_TARGET_MEMBER.format(user="$3")} AS target_member
FROM channels c WHERE c.organization_id = $1 AND c.id = $2
"""

_CHANNELS = f"""
SELECT c.id, c.organization_id, c.name, c.scope, c.target_id, c.created_at, c.last_message_id
FROM channels c
WHERE c.organization_id = $1
  AND ($3 OR c.scope = 'org' OR {_EXPLICIT_MEMBER.format(user="$2")} OR {_TARGET_MEMBER.format(user="$2")})
  AND ($5::timestamptz IS NULL OR (c.created_at, c.id) > ($5, $6))
ORDER BY c.created_at, c.id
LIMIT $4
"""

_MESSAGE_COLUMNS = """
SELECT m.id, m.channel_id, m.body, m.author_id, coalesce(u.name, '') AS author_name, m.created_at
FROM messages m LEFT JOIN users u ON u.id = m.author_id
"""
_MESSAGES_LATEST = (
    _MESSAGE_COLUMNS
    + """WHERE m.organization_id = $1 AND m.channel_id = $2 AND ($3::uuid IS NULL OR m.id < $3)
ORDER BY m.id DESC LIMIT $4"""
)
_MESSAGES_SINCE = (
    _MESSAGE_COLUMNS
    + """WHERE m.organization_id = $1 AND m.channel_id = $2 AND m.id > $3
ORDER BY m.id LIMIT $4"""
)

_NOTIFICATION_COLUMNS = "SELECT id, organization_id, kind, title, body, data, created_at, read_at FROM notifications "
_NOTIFICATIONS_MINE = (
    _NOTIFICATION_COLUMNS
    + """WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL) AND ($4::uuid IS NULL OR id < $4)
ORDER BY id DESC LIMIT $3"""
)
_NOTIFICATION_ONE = _NOTIFICATION_COLUMNS + "WHERE user_id = $1 AND id = $2"
_NOTIFICATIONS_SINCE = _NOTIFICATION_COLUMNS + "WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3"


def _message(row: Any) -> MessageView:
    return MessageView(
        id=row["id"],
        channel=row["channel_id"],
        body=row["body"],
        author=AuthorView(user_id=row["author_id"], name=row["author_name"]),
        created_at=row["created_at"],
    )


def _notification(row: Any) -> NotificationView:
    data = row["data"]
    return NotificationView(
        id=row["id"],
        organization_id=row["organization_id"],
        kind=row["kind"],
        title=row["title"],
        body=row["body"],
        data=json.loads(data) if isinstance(data, str) else dict(data),
        created_at=row["created_at"],
        read_at=row["read_at"],
    )


class PgChannelQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def target_exists(self, organization_id: uuid.UUID, scope: str, target_id: uuid.UUID) -> bool:
        query = _TARGET_EXISTS.get(scope)
        if query is None:
            return False
        conn = await self._connection.get()
        return bool(await conn.fetchval(query, organization_id, target_id))

    async def get(self, organization_id: uuid.UUID, channel_id: uuid.UUID) -> ChannelView | None:
        conn = await self._connection.get()
        row = await conn.fetchrow(_CHANNEL, organization_id, channel_id)
        return ChannelView(*row) if row else None

    async def organization_of(self, user_id: uuid.UUID, channel_id: uuid.UUID) -> uuid.UUID | None:
        # Visible through the channels policy for the caller's organizations, which this transaction names
        # first (a policy on a distributed table may not look them up itself).
        conn = await self._connection.get()
        await conn.execute("SELECT app_reveal_member_organizations()")
        found: uuid.UUID | None = await conn.fetchval(_ORGANIZATION_OF, user_id, channel_id)
        return found

    async def list_channels(
        self,
        organization_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        every_channel: bool,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> list[ChannelView]:
        conn = await self._connection.get()
        after_at, after_id = after if after else (None, None)
        rows = await conn.fetch(_CHANNELS, organization_id, user_id, every_channel, limit, after_at, after_id)
        return [ChannelView(*row) for row in rows]


class PgMessageQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def latest(
        self, organization_id: uuid.UUID, channel_id: uuid.UUID, *, before: uuid.UUID | None, limit: int
    ) -> list[MessageView]:
        conn = await self._connection.get()
        return [_message(r) for r in await conn.fetch(_MESSAGES_LATEST, organization_id, channel_id, before, limit)]

    async def since(
        self, organization_id: uuid.UUID, channel_id: uuid.UUID, *, after: uuid.UUID, limit: int
    ) -> list[MessageView]:
        conn = await self._connection.get()
        return [_message(r) for r in await conn.fetch(_MESSAGES_SINCE, organization_id, channel_id, after, limit)]


class PgNotificationQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def list_for_user(
        self,
        user_id: uuid.UUID,
        *,
        unread_only: bool,
        limit: int,
        before: tuple[datetime, uuid.UUID] | None,
    ) -> list[NotificationView]:
        conn = await self._connection.get()
        before_id = before[1] if before else None
        rows = await conn.fetch(_NOTIFICATIONS_MINE, user_id, unread_only, limit, before_id)
        return [_notification(r) for r in rows]

    async def get_for_user(self, user_id: uuid.UUID, notification_id: uuid.UUID) -> NotificationView | None:
        conn = await self._connection.get()
        row = await conn.fetchrow(_NOTIFICATION_ONE, user_id, notification_id)
        return _notification(row) if row else None

    async def since(self, user_id: uuid.UUID, *, after: uuid.UUID, limit: int) -> list[NotificationView]:
        conn = await self._connection.get()
        return [_notification(r) for r in await conn.fetch(_NOTIFICATIONS_SINCE, user_id, after, limit)]


class PgChannelAccessPolicy:
    """domain.chat.may_read_channel, with its facts read in one query (_ACCESS_FACTS)."""

    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def can_read(self, actor: Actor, channel: ChannelRef) -> bool:
        if channel.scope == ChannelScope.ORG or actor.can(Permission.CHANNELS_MANAGE):
            return may_read_channel(actor, channel, explicit_member=False, target_member=False)
        conn = await self._connection.get()
        facts = await conn.fetchrow(_ACCESS_FACTS, channel.organization_id, channel.id, actor.user_id)
        if facts is None:
            return False
        return may_read_channel(
            actor, channel, explicit_member=bool(facts["explicit_member"]), target_member=bool(facts["target_member"])
        )

    async def can_write(self, actor: Actor, channel: ChannelRef) -> bool:
        return await self.can_read(actor, channel)


class PgTokenValidity:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def invalid_among(self, token_hashes: Collection[bytes]) -> set[bytes]:
        conn = await self._connection.get()
        rows = await conn.fetch(
            "SELECT token_hash FROM access_tokens"
            " WHERE token_hash = ANY($1::bytea[]) AND revoked_at IS NULL AND expires_at > now()",
            list(token_hashes),
        )
        return set(token_hashes) - {bytes(r["token_hash"]) for r in rows}
