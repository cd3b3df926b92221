"""Domain rules of chat and notifications (stdlib only, no adapters)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.chat import MAX_BODY_BYTES, Channel, ChannelScope, check_body, may_read_channel, next_message_id
from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.notifications import Notification
from domain.permissions import Actor, Role

NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
ORG = uuid.uuid4()


def actor(role: Role, organization_id: uuid.UUID = ORG) -> Actor:
    return Actor(user_id=uuid.uuid4(), organization_id=organization_id, role=role)


def channel(scope: ChannelScope = ChannelScope.ORG) -> Channel:
    target = None if scope == ChannelScope.ORG else uuid.uuid4()
    return Channel.open(actor(Role.ADMIN), name="general", scope=scope, target_id=target, now=NOW)


def test_opening_a_channel_records_an_audited_event():
    admin = actor(Role.ADMIN)
    opened = Channel.open(admin, name="  general   chat ", scope=ChannelScope.ORG, target_id=None, now=NOW)
    assert opened.name == "general chat" and opened.organization_id == ORG
    [event] = opened.pull_events()
    assert event.name == "channel.created" and event.actor_id == admin.user_id and event.organization_id == ORG


def test_a_member_cannot_open_a_channel():
    with pytest.raises(PermissionDenied):
        Channel.open(actor(Role.MEMBER), name="mine", scope=ChannelScope.ORG, target_id=None, now=NOW)


@pytest.mark.parametrize(
    ("scope", "target"),
    [
        (ChannelScope.ORG, uuid.uuid4()),
        (ChannelScope.CHAPTER, None),
        (ChannelScope.TEAM, None),
        (ChannelScope.EVENT, None),
    ],
)
def test_the_target_goes_with_the_scope(scope, target):
    with pytest.raises(InvalidInput):
        Channel.open(actor(Role.ADMIN), name="x", scope=scope, target_id=target, now=NOW)


@pytest.mark.parametrize(
    "body", ["", "   ", "\n\t", "a\x00b", "\udae3", "x" * (MAX_BODY_BYTES + 1), "é" * (MAX_BODY_BYTES // 2 + 1)]
)
def test_bodies_must_say_something_in_at_most_4_kib(body):
    with pytest.raises(InvalidInput):
        check_body(body)


def test_a_body_of_exactly_4_kib_is_accepted():
    assert check_body("é" * (MAX_BODY_BYTES // 2)) == "é" * (MAX_BODY_BYTES // 2)


def test_message_ids_strictly_increase_within_a_channel_even_against_a_clock_behind():
    room = channel()
    member = actor(Role.MEMBER)
    ids = [room.post(member, f"m{i}", NOW).id for i in range(500)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert room.last_message_id == ids[-1]
    future = uuid.UUID(int=ids[-1].int + (10**6 << 80))  # a previous id from a clock ahead of ours
    assert next_message_id(future).int == future.int + 1
    assert all(i.version == 7 for i in ids)


@pytest.mark.parametrize(
    ("scope", "role", "explicit", "target", "readable"),
    [
        (ChannelScope.ORG, Role.MEMBER, False, False, True),
        (ChannelScope.ORG, Role.CHECK_IN_STAFF, False, False, True),
        (ChannelScope.CHAPTER, Role.MEMBER, False, False, False),
        (ChannelScope.CHAPTER, Role.MEMBER, True, False, True),
        (ChannelScope.CHAPTER, Role.MEMBER, False, True, True),  # a member of the chapter
        (ChannelScope.TEAM, Role.BILLING_MANAGER, False, False, False),
        (ChannelScope.TEAM, Role.BILLING_MANAGER, False, True, True),  # a member of the team
        (ChannelScope.EVENT, Role.MEMBER, False, True, True),  # a ticket holder or the organizer
        (ChannelScope.EVENT, Role.ADMIN, False, False, True),
        (ChannelScope.EVENT, Role.OWNER, False, False, True),
    ],
)
def test_who_reads_a_channel(scope, role, explicit, target, readable):
    assert may_read_channel(actor(role), channel(scope), explicit_member=explicit, target_member=target) is readable


def test_nobody_reads_another_organizations_channel():
    assert not may_read_channel(actor(Role.OWNER, uuid.uuid4()), channel(), explicit_member=True, target_member=True)


def test_a_notification_is_read_by_its_recipient_only_and_once():
    recipient = uuid.uuid4()
    note = Notification.create(organization_id=ORG, user_id=recipient, kind="k", title="Hi", now=NOW)
    with pytest.raises(NotFound):
        note.mark_read(uuid.uuid4(), NOW)
    note.mark_read(recipient, NOW)
    later = datetime(2026, 11, 29, tzinfo=UTC)
    note.mark_read(recipient, later)
    assert note.read_at == NOW


@pytest.mark.parametrize(
    ("kind", "title", "body"),
    [("", "t", ""), ("k" * 65, "t", ""), ("k", " ", ""), ("k", "t" * 201, ""), ("k", "t", "b" * 4001)],
)
def test_notification_fields_are_bounded(kind, title, body):
    with pytest.raises(InvalidInput):
        Notification.create(organization_id=ORG, user_id=uuid.uuid4(), kind=kind, title=title, body=body, now=NOW)


@pytest.mark.parametrize("name", ["a\x00b", "\udae3x"])
def test_channel_names_must_be_storable_text(name):
    with pytest.raises(InvalidInput):
        Channel.open(actor(Role.ADMIN), name=name, scope=ChannelScope.ORG, target_id=None, now=NOW)
