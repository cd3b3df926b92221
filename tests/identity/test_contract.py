"""One set of cases, two adapters: the in-memory twins must behave like the SQL adapters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.identity import hash_token
from domain.errors import AuthenticationFailed, Conflict, NotFound
from domain.identity import AccessToken, User
from domain.ids import new_id
from domain.invitations import Invitation
from domain.organizations import Membership, Organization
from domain.permissions import Actor, Role
from tests.fixtures.backends import Backend

NOW = datetime.now(UTC)


async def make_user(b: Backend, email: str | None = None) -> tuple[User, str]:
    user = User(email=email or f"{new_id().hex}@example.com", name="U", password_hash="h", created_at=NOW)
    token = new_id().hex
    async with b.uow() as uow:
        await uow.users.add(user)
        await uow.access_tokens.add(
            AccessToken(
                token_hash=hash_token(token), user_id=user.id, created_at=NOW, expires_at=NOW + timedelta(hours=1)
            )
        )
        await uow.commit()
    return user, token


async def make_org(b: Backend, owner: User) -> Organization:
    org, membership = Organization.found(name="Org", slug=f"o-{new_id().hex[-12:]}", owner_id=owner.id, now=NOW)
    async with b.uow(org.id, owner.id) as uow:
        await uow.organizations.add(org)
        await uow.memberships.add(membership)
        uow.collect(org, membership)
        await uow.commit()
    return org


async def test_users_unique_email_and_lookup(backend: Backend) -> None:
    user, _ = await make_user(backend)
    with pytest.raises(Conflict):
        await make_user(backend, user.email)
    async with backend.uow() as uow:
        found = await uow.users.get_by_email(user.email)
        assert found is not None and found.id == user.id
        assert await uow.users.get(new_id()) is None


async def test_uncommitted_work_is_rolled_back(backend: Backend) -> None:
    user = User(email=f"{new_id().hex}@example.com", name="U", password_hash="h", created_at=NOW)
    async with backend.uow() as uow:
        await uow.users.add(user)
    async with backend.uow() as uow:
        assert await uow.users.get_by_email(user.email) is None


async def test_authentication_resolves_roles_and_hides_foreign_organizations(backend: Backend) -> None:
    reads = await backend.reads()
    alice, alice_token = await make_user(backend)
    _bob, bob_token = await make_user(backend)
    org = await make_org(backend, alice)
    auth = await reads.authenticator.authenticate(hash_token(alice_token), org.id)
    assert auth.actor == Actor(alice.id, org.id, Role.OWNER)
    with pytest.raises(NotFound):
        await reads.authenticator.authenticate(hash_token(bob_token), org.id)
    with pytest.raises(AuthenticationFailed):
        await reads.authenticator.authenticate(hash_token("forged"), org.id)


async def test_revoked_tokens_fail(backend: Backend) -> None:
    reads = await backend.reads()
    _, token = await make_user(backend)
    async with backend.uow() as uow:
        stored = await uow.access_tokens.get_by_hash(hash_token(token))
        stored.revoke(NOW)
        await uow.commit()
    with pytest.raises(AuthenticationFailed):
        await reads.authenticator.authenticate(hash_token(token), None)


async def test_memberships_pages_and_owner_count(backend: Backend) -> None:
    reads = await backend.reads()
    owner, token = await make_user(backend)
    org = await make_org(backend, owner)
    others = [(await make_user(backend))[0] for _ in range(3)]
    async with backend.uow(org.id, owner.id) as uow:
        for i, user in enumerate(others):
            await uow.memberships.add(Membership(org.id, user.id, Role.MEMBER, NOW + timedelta(seconds=i + 1)))
        await uow.commit()
    async with backend.uow(org.id, owner.id) as uow:
        assert await uow.memberships.count_owners() == 1
        with pytest.raises(Conflict):
            await uow.memberships.add(Membership(org.id, others[0].id, Role.MEMBER, NOW))
    await reads.authenticator.authenticate(hash_token(token), org.id)  # sets the tenant for reads
    first = await reads.members.list_members(org.id, limit=2, after=None)
    assert [m.user_id for m in first] == [owner.id, others[0].id]
    rest = await reads.members.list_members(org.id, limit=10, after=(first[-1].joined_at, first[-1].user_id))
    assert [m.user_id for m in rest] == [others[1].id, others[2].id]
    me = await reads.users.me(owner.id)
    assert [m.organization_id for m in me.memberships] == [org.id]


async def test_a_unit_of_work_sees_only_its_organization(backend: Backend) -> None:
    alice, _ = await make_user(backend)
    bob, _ = await make_user(backend)
    org_a = await make_org(backend, alice)
    org_b = await make_org(backend, bob)
    invitation = Invitation.issue(Actor(bob.id, org_b.id, Role.OWNER), email="x@y.io", role=Role.MEMBER, now=NOW)
    async with backend.uow(org_b.id, bob.id) as uow:
        await uow.invitations.add(invitation)
        await uow.commit()
    async with backend.uow(org_a.id, alice.id) as uow:
        assert await uow.invitations.get_for_update(invitation.id) is None
        assert await uow.memberships.get(bob.id) is None
    async with backend.uow(org_b.id, bob.id) as uow:
        found = await uow.invitations.get_for_update(invitation.id)
        assert found is not None and found.email == "x@y.io"
