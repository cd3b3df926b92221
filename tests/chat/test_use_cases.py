"""Use cases of chat and notifications on the in-memory adapters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

import application.chat as chat
from adapters.memory.chat.queries import (
    MemoryChannelAccessPolicy,
    MemoryChannelQueries,
    MemoryMessageQueries,
    MemoryNotificationQueries,
)
from adapters.memory.identity.queries import MemoryAuthenticator
from adapters.memory.store import MemoryStore
from application.chat import (
    AddChannelMember,
    AddChannelMemberCommand,
    ChannelGate,
    CheckChannelAccess,
    CreateChannel,
    CreateChannelCommand,
    ListChannels,
    ListChannelsQuery,
    ListMessages,
    ListMessagesQuery,
    PostMessage,
    PostMessageCommand,
    SubscribeCommand,
    SubscribeToChannel,
)
from application.identity import hash_token
from application.notifications import (
    DeliverNotifications,
    ListMyNotifications,
    ListNotificationsQuery,
    MarkNotificationRead,
    NotifyCommand,
    ResumeNotifications,
)
from domain.community import Team
from domain.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from domain.identity import AccessToken, User
from domain.organizations import Membership, Organization
from domain.permissions import Actor, Principal, Role
from tests.fixtures.backends import memory_backend_on
from tests.fixtures.doubles import RecordingRealtimePublisher

NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


@dataclass
class World:
    store: MemoryStore
    publisher: RecordingRealtimePublisher

    def __post_init__(self) -> None:
        self.uow = memory_backend_on(self.store).uow
        self.clock = FixedClock()
        self.policy = MemoryChannelAccessPolicy(self.store)
        self.messages = MemoryMessageQueries(self.store)
        self.channels = MemoryChannelQueries(self.store)
        self.notify = DeliverNotifications(self.uow, self.publisher, self.clock)
        self.gate = ChannelGate(MemoryAuthenticator(self.store, self.clock), MemoryChannelQueries(self.store))

    def user(self, name: str = "User") -> tuple[User, str]:
        user = User(email=f"{uuid.uuid4().hex}@example.com", name=name, password_hash="x", created_at=NOW)
        self.store.users[user.id] = user
        token = uuid.uuid4().hex
        self.store.access_tokens[hash_token(token)] = AccessToken(
            token_hash=hash_token(token), user_id=user.id, created_at=NOW, expires_at=NOW + timedelta(days=1)
        )
        return user, token

    def org(self, owner: User) -> Actor:
        org = Organization(name="Org", slug=uuid.uuid4().hex[:10], created_at=NOW)
        self.store.organizations[org.id] = org
        return self.join(org.id, owner, Role.OWNER)

    def join(self, organization_id: uuid.UUID, user: User, role: Role = Role.MEMBER) -> Actor:
        self.store.memberships[(organization_id, user.id)] = Membership(organization_id, user.id, role, NOW)
        return Actor(user.id, organization_id, role)

    async def channel(self, admin: Actor, name: str = "general", scope: str = "org") -> uuid.UUID:
        target = None if scope == "org" else uuid.uuid4()
        if target is not None:  # the team the channel is for
            team = Team(organization_id=admin.organization_id, name=f"Team {name}", created_at=NOW, id=target)
            self.store.table("teams")[(admin.organization_id, target)] = team
        create = CreateChannel(self.uow, MemoryChannelQueries(self.store), self.clock)
        view = await create.execute(admin, CreateChannelCommand(name, scope, target))
        return view.id

    def post(self) -> PostMessage:
        return PostMessage(self.uow, self.policy, self.publisher, self.clock)


@pytest.fixture
def world() -> World:
    return World(MemoryStore(), RecordingRealtimePublisher())


async def test_a_post_is_stored_then_published_and_history_pages_newest_first(world):
    owner, _ = world.user("Olive")
    admin = world.org(owner)
    channel = await world.channel(admin)
    posted = [await world.post().execute(admin, PostMessageCommand(channel, f"m{i}")) for i in range(5)]
    assert world.publisher.messages == posted
    # Each publication names the message before it in the channel, so sockets can keep the order.
    assert world.publisher.previous_ids == [None, *(m.id for m in posted[:-1])]
    assert posted[0].author.name == "Olive"

    history = ListMessages(world.channels, world.policy, world.messages)
    page = await history.execute(admin, ListMessagesQuery(channel, limit=2))
    assert [m.body for m in page.items] == ["m4", "m3"]
    page = await history.execute(admin, ListMessagesQuery(channel, limit=2, before=uuid.UUID(page.next_cursor)))
    assert [m.body for m in page.items] == ["m2", "m1"]


async def test_a_refused_post_stores_and_publishes_nothing(world):
    owner, _ = world.user()
    admin = world.org(owner)
    channel = await world.channel(admin)
    with pytest.raises(InvalidInput):
        await world.post().execute(admin, PostMessageCommand(channel, "x" * 5000))
    with pytest.raises(NotFound):
        await world.post().execute(admin, PostMessageCommand(uuid.uuid4(), "hello"))
    assert world.publisher.messages == [] and world.store.table("messages") == {}


async def test_another_organization_never_reaches_a_channel(world):
    owner, _ = world.user()
    admin = world.org(owner)
    channel = await world.channel(admin)
    stranger, stranger_token = world.user()
    stranger_admin = world.org(stranger)
    with pytest.raises(NotFound):
        await world.post().execute(stranger_admin, PostMessageCommand(channel, "hi"))
    with pytest.raises(NotFound):
        await world.gate.enter(hash_token(stranger_token), channel)
    with pytest.raises(NotFound):
        await ListMessages(world.channels, world.policy, world.messages).execute(
            stranger_admin, ListMessagesQuery(channel)
        )


async def test_explicit_members_open_a_team_channel_and_are_notified(world):
    owner, _ = world.user()
    admin = world.org(owner)
    member_user, _ = world.user()
    member = world.join(admin.organization_id, member_user)
    channel = await world.channel(admin, "leads", scope="team")
    with pytest.raises(NotFound):
        await world.post().execute(member, PostMessageCommand(channel, "hi"))

    add = AddChannelMember(world.uow, world.clock, world.notify)
    with pytest.raises(PermissionDenied):
        await add.execute(member, AddChannelMemberCommand(channel, member_user.id))
    outsider, _ = world.user()
    with pytest.raises(NotFound):
        await add.execute(admin, AddChannelMemberCommand(channel, outsider.id))
    await add.execute(admin, AddChannelMemberCommand(channel, member_user.id))
    with pytest.raises(Conflict):
        await add.execute(admin, AddChannelMemberCommand(channel, member_user.id))

    await world.post().execute(member, PostMessageCommand(channel, "hi"))
    [(recipient, note)] = world.publisher.notifications
    assert recipient == member_user.id and note.kind == "channel.member_added"
    assert [e.name for e in world.store.audit_log][-1] == "channel.member_added"


async def test_members_list_org_channels_and_their_own_grants_admins_list_all(world):
    owner, _ = world.user()
    admin = world.org(owner)
    member_user, _ = world.user()
    member = world.join(admin.organization_id, member_user)
    org_channels = [await world.channel(admin, f"c{i}") for i in range(3)]
    await world.channel(admin, "hidden", scope="team")
    listing = ListChannels(MemoryChannelQueries(world.store))
    assert len((await listing.execute(admin, ListChannelsQuery())).items) == 4
    first = await listing.execute(member, ListChannelsQuery(limit=2))
    rest = await listing.execute(member, ListChannelsQuery(limit=2, cursor=first.next_cursor))
    # Ordered by (created_at, id): with one fixed clock, by id.
    assert [c.id for c in first.items + rest.items] == sorted(org_channels) and rest.next_cursor is None


async def test_subscribe_returns_what_was_missed_oldest_first(world, monkeypatch):
    owner, _ = world.user()
    admin = world.org(owner)
    channel = await world.channel(admin)
    posted = [await world.post().execute(admin, PostMessageCommand(channel, f"m{i}")) for i in range(6)]
    subscribe = SubscribeToChannel(world.channels, world.policy, world.messages)

    fresh = await subscribe.execute(admin, SubscribeCommand(channel))
    assert fresh.missed == [] and fresh.organization_id == admin.organization_id
    resumed = await subscribe.execute(admin, SubscribeCommand(channel, after=posted[2].id))
    assert resumed.missed == posted[3:] and not resumed.truncated

    monkeypatch.setattr(chat, "MAX_RESUME_BACKLOG", 2)
    capped = await subscribe.execute(admin, SubscribeCommand(channel, after=posted[0].id))
    assert capped.missed == posted[1:3] and capped.truncated


async def test_access_checks_follow_token_revocation_and_membership_removal(world):
    owner, _ = world.user()
    admin = world.org(owner)
    member_user, member_token = world.user()
    world.join(admin.organization_id, member_user)
    channel = await world.channel(admin)
    check = CheckChannelAccess(world.gate, world.channels, world.policy, MemoryAuthenticator(world.store, world.clock))

    assert await check.execute(hash_token(member_token), {channel}) == {channel}
    del world.store.memberships[(admin.organization_id, member_user.id)]
    assert await check.execute(hash_token(member_token), {channel}) == set()
    world.store.access_tokens[hash_token(member_token)].revoke(NOW)
    with pytest.raises(AuthenticationFailed):
        await check.execute(hash_token(member_token), {channel})
    with pytest.raises(AuthenticationFailed):
        await world.gate.enter(hash_token(member_token), channel)


async def test_notifications_delivered_listed_resumed_and_read(world):
    owner, _ = world.user()
    admin = world.org(owner)
    reader, _ = world.user()
    world.join(admin.organization_id, reader)
    delivered = []
    for i in range(3):
        command = NotifyCommand(admin.organization_id, (reader.id, reader.id), "announcement", f"n{i}", data={"i": i})
        delivered += await world.notify.execute(command)
    assert len(delivered) == 3  # a recipient named twice is notified once
    assert [n for _, n in world.publisher.notifications] == delivered

    me = Principal(reader.id)
    queries = MemoryNotificationQueries(world.store)
    listing = ListMyNotifications(queries)
    first = await listing.execute(me, ListNotificationsQuery(limit=2))
    assert [n.title for n in first.items] == ["n2", "n1"]
    second = await listing.execute(me, ListNotificationsQuery(limit=2, cursor=first.next_cursor))
    assert [n.title for n in second.items] == ["n0"]

    marked = await MarkNotificationRead(world.uow, queries, world.clock).execute(me, delivered[0].id)
    assert marked.read_at == NOW
    unread = await listing.execute(me, ListNotificationsQuery(unread_only=True))
    assert [n.title for n in unread.items] == ["n2", "n1"]
    with pytest.raises(NotFound):
        await MarkNotificationRead(world.uow, queries, world.clock).execute(Principal(owner.id), delivered[1].id)

    resumed = await ResumeNotifications(queries).execute(me, delivered[0].id)
    assert [n.id for n in resumed.missed] == [n.id for n in delivered[1:]]
    assert (await ResumeNotifications(queries).execute(me, None)).missed == []
