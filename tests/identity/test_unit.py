import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Conflict, InvalidInput, InvalidToken, NotFound, PermissionDenied
from domain.identity import AccessToken, User, normalize_email
from domain.ids import new_id
from domain.invitations import INVITATION_TTL, Invitation
from domain.organizations import Organization, check_slug
from domain.permissions import Actor, Role

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def actor(role: Role, org: uuid.UUID | None = None) -> Actor:
    return Actor(user_id=new_id(), organization_id=org or new_id(), role=role)


def test_uuid7_is_version_7_and_time_ordered() -> None:
    ids = [new_id() for _ in range(50)]
    assert all(i.version == 7 for i in ids)
    assert [i.bytes[:6] for i in ids] == sorted(i.bytes[:6] for i in ids)


@pytest.mark.parametrize("raw", ["", "no-at", "a@b", "a b@c.d", "x" * 250 + "@example.com"])
def test_bad_emails_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalize_email(raw)


def test_email_is_normalised() -> None:
    assert normalize_email("  Ada@Example.COM ") == "ada@example.com"


@pytest.mark.parametrize("slug", ["-a", "a-", "A B", "", "a" * 64, "ü"])
def test_bad_slugs(slug: str) -> None:
    with pytest.raises(InvalidInput):
        check_slug(slug)


def test_register_records_an_event() -> None:
    user = User.register(email="a@b.co", name="  Ada   Lovelace ", password_hash="h", now=NOW)
    assert user.name == "Ada Lovelace"
    assert [e.name for e in user.pull_events()] == ["user.registered"]
    assert user.pull_events() == []


def test_founding_makes_the_creator_owner() -> None:
    owner_id = new_id()
    org, membership = Organization.found(name="Org", slug="org", owner_id=owner_id, now=NOW)
    assert membership.role == Role.OWNER and membership.user_id == owner_id
    event = org.pull_events()[0]
    assert event.name == "organization.created" and event.actor_id == owner_id


def test_rename_needs_admin() -> None:
    org, _ = Organization.found(name="Org", slug="org", owner_id=new_id(), now=NOW)
    with pytest.raises(PermissionDenied):
        org.rename(actor(Role.MEMBER, org.id), "New")
    org.rename(actor(Role.ADMIN, org.id), "New")
    assert org.name == "New"


def test_last_owner_cannot_be_demoted_or_removed() -> None:
    org, owner = Organization.found(name="Org", slug="org", owner_id=new_id(), now=NOW)
    me = Actor(owner.user_id, org.id, Role.OWNER)
    with pytest.raises(Conflict):
        owner.change_role(me, Role.ADMIN, owner_count=1)
    with pytest.raises(Conflict):
        owner.check_removable_by(me, owner_count=1)
    owner.change_role(me, Role.ADMIN, owner_count=2)
    assert owner.role == Role.ADMIN


def test_admin_cannot_touch_ownership() -> None:
    org, owner = Organization.found(name="Org", slug="org", owner_id=new_id(), now=NOW)
    admin = actor(Role.ADMIN, org.id)
    with pytest.raises(PermissionDenied):
        owner.change_role(admin, Role.MEMBER, owner_count=2)
    with pytest.raises(PermissionDenied):
        owner.check_removable_by(admin, owner_count=2)


def test_invitation_lifecycle() -> None:
    admin = actor(Role.ADMIN)
    invitation = Invitation.issue(admin, email="New@Example.com", role=Role.MEMBER, now=NOW)
    assert invitation.expires_at == NOW + INVITATION_TTL
    with pytest.raises(NotFound):
        invitation.accept(user_id=new_id(), user_email="other@example.com", now=NOW)
    with pytest.raises(InvalidToken):
        invitation.accept(user_id=new_id(), user_email="new@example.com", now=NOW + timedelta(days=8))
    membership = invitation.accept(user_id=new_id(), user_email="new@example.com", now=NOW)
    assert membership.role == Role.MEMBER and membership.organization_id == admin.organization_id
    with pytest.raises(InvalidToken):
        invitation.accept(user_id=new_id(), user_email="new@example.com", now=NOW)


def test_only_owners_invite_owners_and_members_cannot_invite() -> None:
    with pytest.raises(PermissionDenied):
        Invitation.issue(actor(Role.ADMIN), email="x@y.co", role=Role.OWNER, now=NOW)
    with pytest.raises(PermissionDenied):
        Invitation.issue(actor(Role.MEMBER), email="x@y.co", role=Role.MEMBER, now=NOW)


def test_access_token_validity() -> None:
    token = AccessToken(token_hash=b"h", user_id=new_id(), created_at=NOW, expires_at=NOW + timedelta(hours=1))
    assert token.is_valid(NOW)
    assert not token.is_valid(NOW + timedelta(hours=2))
    token.revoke(NOW)
    assert not token.is_valid(NOW)


@pytest.mark.parametrize("raw", ["a\x00b@example.com", "a@exa\x01mple.com", "\ud800@example.com"])
def test_emails_postgres_cannot_store_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalize_email(raw)
