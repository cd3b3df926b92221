"""The permission matrix is data: this table is its specification (organization roles and chapter roles)."""

from __future__ import annotations

import uuid

import pytest

from domain.errors import PermissionDenied
from domain.permissions import CHAPTER_PERMISSION_MATRIX, Actor, ChapterRole, Permission, Role, role_allows

P = Permission
COMMUNITY = [
    P.CHAPTERS_MANAGE,
    P.CHAPTER_MEMBERS_MANAGE,
    P.TEAMS_MANAGE,
    P.EVENTS_READ,
    P.EVENTS_MANAGE,
    P.ORDERS_PLACE,
    P.ORDERS_MANAGE,
    P.ATTENDEES_READ,
    P.TICKETS_CHECK_IN,
    P.AUDIT_READ,
]
#                        chapters chmembers teams evread evmanage place ordmanage attendees checkin audit
ORG_TABLE = {
    Role.OWNER:           (1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
    Role.ADMIN:           (1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
    Role.BILLING_MANAGER: (0, 0, 0, 1, 0, 1, 0, 0, 0, 0),
    Role.MEMBER:          (0, 0, 0, 1, 0, 1, 0, 0, 0, 0),
    Role.CHECK_IN_STAFF:  (0, 0, 0, 1, 0, 0, 0, 0, 1, 0),
    # A buyer on the public side (never a membership): places orders, reads nothing of the organization.
    Role.BUYER:           (0, 0, 0, 0, 0, 1, 0, 0, 0, 0),
}  # fmt: skip
# What a chapter role adds inside its chapter, for a plain member of the organization.
CHAPTER_TABLE = {
    ChapterRole.LEAD:   (0, 1, 0, 1, 1, 1, 1, 1, 1, 0),
    ChapterRole.MEMBER: (0, 0, 0, 1, 0, 1, 0, 0, 0, 0),
}  # fmt: skip


@pytest.mark.parametrize("role", list(Role))
def test_organization_roles(role: Role) -> None:
    assert {p: role_allows(role, p) for p in COMMUNITY} == {
        p: bool(v) for p, v in zip(COMMUNITY, ORG_TABLE[role], strict=True)
    }


@pytest.mark.parametrize("chapter_role", list(ChapterRole))
def test_chapter_roles_extend_a_member_inside_their_chapter(chapter_role: ChapterRole) -> None:
    actor = Actor(uuid.uuid4(), uuid.uuid4(), Role.MEMBER)
    expected = {p: bool(v) for p, v in zip(COMMUNITY, CHAPTER_TABLE[chapter_role], strict=True)}
    assert {p: actor.can_in_chapter(p, chapter_role) for p in COMMUNITY} == expected


def test_a_chapter_role_grants_nothing_outside_its_chapter() -> None:
    actor = Actor(uuid.uuid4(), uuid.uuid4(), Role.MEMBER)
    assert CHAPTER_PERMISSION_MATRIX[ChapterRole.LEAD]
    for permission in CHAPTER_PERMISSION_MATRIX[ChapterRole.LEAD]:
        assert not actor.can_in_chapter(permission, None)
    with pytest.raises(PermissionDenied):
        actor.require_in_chapter(P.EVENTS_MANAGE, None)
