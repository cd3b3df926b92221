"""Contract of the chat and notification ports: the same cases against the memory twins and the SQL adapters
(repositories through the unit of work, queries and the access policy on an authenticated connection)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from application.identity import hash_token
from domain.chat import Channel, ChannelMember, ChannelScope
from domain.errors import Conflict
from domain.notifications import Notification
from domain.permissions import Actor
from tests.fixtures.backends import Backend

NOW = datetime.now(UTC)


async def open_channel(b: Backend, admin: Actor, name: str, scope: ChannelScope = ChannelScope.ORG) -> Channel:
    target = None if scope == ChannelScope.ORG else uuid.uuid4()
    channel = Channel.open(admin, name=name, scope=scope, target_id=target, now=NOW)
    async with b.uow(admin.organization_id, admin.user_id) as uow:
        await uow.channels.add(channel)
        await uow.commit()
    return channel


async def test_channels_are_kept_per_tenant_with_unique_names(backend):
    owner, _ = await backend.user()
    admin = await backend.found(owner)
    other_owner, _ = await backend.user()
    other = await backend.found(other_owner)
    channel = await open_channel(backend, admin, "general")
    await open_channel(backend, other, "general")  # the same name in another organization is fine

    async with backend.uow(admin.organization_id, admin.user_id) as uow:
        found = await uow.channels.get(channel.id)
        assert found is not None and found.name == "general" and found.scope == ChannelScope.ORG
        assert (await uow.channels.get_for_update(channel.id)).id == channel.id
    async with backend.uow(other.organization_id, other.user_id) as uow:
        assert await uow.channels.get(channel.id) is None
    with pytest.raises(Conflict):
        await open_channel(backend, admin, "general")


async def test_a_channel_is_located_only_by_members_of_its_organization(backend):
    owner, owner_token = await backend.user()
    admin = await backend.found(owner)
    stranger, stranger_token = await backend.user()
    await backend.found(stranger)
    channel = await open_channel(backend, admin, "general")
    assert await (await backend.reads_as(owner_token, None)).channels.organization_of(owner.id, channel.id) == (
        admin.organization_id
    )
    stranger_reads = await backend.reads_as(stranger_token, None)
    assert await stranger_reads.channels.organization_of(stranger.id, channel.id) is None
    assert await (await backend.reads_as(owner_token, None)).channels.organization_of(owner.id, uuid.uuid4()) is None


async def test_listing_and_access_follow_scope_and_explicit_grants(backend):
    owner, _owner_token = await backend.user()
    admin = await backend.found(owner)
    member_user, member_token = await backend.user()
    member = await backend.join(admin.organization_id, member_user)
    general = await open_channel(backend, admin, "general")
    leads = await open_channel(backend, admin, "leads", ChannelScope.TEAM)
    reads = await backend.reads_as(member_token, admin.organization_id)

    org_id = admin.organization_id
    found = await reads.channels.get(org_id, leads.id)
    assert found is not None and (found.name, found.scope, found.target_id) == ("leads", "team", leads.target_id)
    assert await reads.channels.get(org_id, uuid.uuid4()) is None
    everything = await reads.channels.list_channels(org_id, owner.id, every_channel=True, limit=10, after=None)
    assert {c.id for c in everything} == {general.id, leads.id}
    visible = await reads.channels.list_channels(org_id, member.user_id, every_channel=False, limit=10, after=None)
    assert [c.id for c in visible] == [general.id] and visible[0].scope == "org"
    access = reads.channel_access
    assert await access.can_read(member, general) and not await access.can_read(member, leads)
    assert await reads.channel_access.can_write(admin, leads)

    async with backend.uow(org_id, owner.id) as uow:
        await uow.channel_members.add(ChannelMember(org_id, leads.id, member.user_id, owner.id, NOW))
        await uow.commit()
    with pytest.raises(Conflict):
        async with backend.uow(org_id, owner.id) as uow:
            await uow.channel_members.add(ChannelMember(org_id, leads.id, member.user_id, owner.id, NOW))
            await uow.commit()
    reads = await backend.reads_as(member_token, org_id)
    visible = await reads.channels.list_channels(org_id, member.user_id, every_channel=False, limit=10, after=None)
    assert {c.id for c in visible} == {general.id, leads.id}
    assert await reads.channel_access.can_read(member, leads)
    first = await reads.channels.list_channels(org_id, member.user_id, every_channel=False, limit=1, after=None)
    rest = await reads.channels.list_channels(
        org_id, member.user_id, every_channel=False, limit=10, after=(first[0].created_at, first[0].id)
    )
    assert [c.id for c in first + rest] == [c.id for c in visible]


async def test_messages_page_back_by_id_and_resume_forward_from_one(backend):
    owner, token = await backend.user("Olive")
    admin = await backend.found(owner)
    channel = await open_channel(backend, admin, "general")
    ids = []
    for i in range(5):
        async with backend.uow(admin.organization_id, admin.user_id) as uow:
            locked = await uow.channels.get_for_update(channel.id)
            message = locked.post(admin, f"m{i}", NOW)
            await uow.messages.add(message)
            await uow.commit()
        ids.append(message.id)
    reads = await backend.reads_as(token, admin.organization_id)
    org_id = admin.organization_id

    latest = await reads.messages.latest(org_id, channel.id, before=None, limit=3)
    assert [m.body for m in latest] == ["m4", "m3", "m2"]
    assert latest[0].author.name == "Olive" and latest[0].author.user_id == owner.id and latest[0].channel == channel.id
    older = await reads.messages.latest(org_id, channel.id, before=latest[-1].id, limit=3)
    assert [m.body for m in older] == ["m1", "m0"]
    since = await reads.messages.since(org_id, channel.id, after=ids[1], limit=2)
    assert [m.id for m in since] == ids[2:4]
    assert await reads.messages.since(org_id, channel.id, after=ids[-1], limit=10) == []
    async with backend.uow(org_id, owner.id) as uow:
        assert (await uow.channels.get(channel.id)).last_message_id == ids[-1]
    assert (await reads.channels.get(org_id, channel.id)).last_message_id == ids[-1]


async def test_my_notifications_span_my_organizations_and_nobody_elses(backend):
    user, token = await backend.user()
    first = await backend.found(user)
    second = await backend.found(user)
    other_user, other_token = await backend.user()
    await backend.join(first.organization_id, other_user)
    made = []
    for organization_id, recipient in [
        (first.organization_id, user.id),
        (second.organization_id, user.id),
        (first.organization_id, other_user.id),
        (second.organization_id, user.id),
    ]:
        note = Notification.create(
            organization_id=organization_id, user_id=recipient, kind="k", title="t", data={"n": len(made)}, now=NOW
        )
        async with backend.uow(organization_id) as uow:
            await uow.notifications.add(note)
            await uow.commit()
        made.append(note)
    mine = [made[0], made[1], made[3]]
    reads = await backend.reads_as(token, None)

    listed = await reads.notifications.list_for_user(user.id, unread_only=False, limit=10, before=None)
    assert [n.id for n in listed] == [n.id for n in reversed(mine)]
    assert listed[0].data == {"n": 3} and {n.organization_id for n in listed} == {
        first.organization_id,
        second.organization_id,
    }
    page = await reads.notifications.list_for_user(
        user.id, unread_only=False, limit=10, before=(listed[0].created_at, listed[0].id)
    )
    assert [n.id for n in page] == [made[1].id, made[0].id]
    assert await reads.notifications.get_for_user(user.id, made[2].id) is None
    assert [n.id for n in await reads.notifications.since(user.id, after=made[0].id, limit=10)] == [
        made[1].id,
        made[3].id,
    ]

    async with backend.uow(second.organization_id, user.id) as uow:
        found = await uow.notifications.get_for_update(made[1].id)
        found.mark_read(user.id, NOW)
        await uow.commit()
    async with backend.uow(first.organization_id, user.id) as uow:
        assert await uow.notifications.get_for_update(made[1].id) is None  # another tenant's row
    reads = await backend.reads_as(token, None)
    unread = await reads.notifications.list_for_user(user.id, unread_only=True, limit=10, before=None)
    assert [n.id for n in unread] == [made[3].id, made[0].id]
    other_reads = await backend.reads_as(other_token, None)
    theirs = await other_reads.notifications.list_for_user(other_user.id, unread_only=False, limit=10, before=None)
    assert [n.id for n in theirs] == [made[2].id]


async def test_token_validity_names_the_revoked_expired_and_unknown_tokens(backend):
    _, live = await backend.user()
    _, revoked = await backend.user()
    _, expired = await backend.user()
    async with backend.uow() as uow:
        (await uow.access_tokens.get_by_hash(hash_token(revoked))).revoke(NOW)
        expired_token = await uow.access_tokens.get_by_hash(hash_token(expired))
        expired_token.expires_at = backend.clock.now() - timedelta(seconds=1)
        await uow.commit()
    unknown = hash_token("never issued")
    reads = await backend.reads_as(live, None)
    hashes = {hash_token(live), hash_token(revoked), hash_token(expired), unknown}
    assert await reads.token_validity.invalid_among(hashes) == {hash_token(revoked), hash_token(expired), unknown}
    assert await reads.token_validity.invalid_among({hash_token(live)}) == set()
