"""The foundation's use cases on the in-memory adapters: fast, no I/O."""

from datetime import timedelta

import pytest

from adapters.memory.identity.queries import MemoryAuthenticator, MemoryMemberQueries, MemoryUserQueries
from adapters.memory.store import MemoryStore
from adapters.security.common_passwords import ZxcvbnCommonPasswords
from adapters.security.tokens import HmacAccountTokenCodec, HmacInvitationTokenCodec
from application.billing import Entitlements
from application.identity import (
    GetMe,
    LogIn,
    LogInCommand,
    LogOut,
    RegisterUser,
    RegisterUserCommand,
    hash_token,
)
from application.invitations import AcceptInvitation, InviteMember, InviteMemberCommand
from application.organizations import (
    ChangeMemberRole,
    ChangeMemberRoleCommand,
    CreateOrganization,
    CreateOrganizationCommand,
    ListMembers,
    ListMembersQuery,
    RemoveMember,
)
from domain.errors import AuthenticationFailed, Conflict, InvalidInput, InvalidToken, NotFound, PermissionDenied
from domain.permissions import Actor, Principal, Role
from tests.fixtures.backends import memory_backend_on
from tests.fixtures.doubles import FixedClock


class FastHasher:
    def hash(self, password: str) -> str:
        return "h:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "h:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False


@pytest.fixture
def world():
    class World:
        def __init__(self) -> None:
            backend = memory_backend_on(MemoryStore(), FixedClock())
            self.store, self.clock, self.uow = backend.store, backend.clock, backend.uow
            self.hasher = FastHasher()
            self.codec = HmacInvitationTokenCodec("k")

        async def user(self, email: str) -> Principal:
            result = await RegisterUser(
                self.uow, self.hasher, self.clock, HmacAccountTokenCodec("k"), ZxcvbnCommonPasswords()
            ).execute(RegisterUserCommand(email=email, password="a long passphrase", name=email.split("@")[0]))
            return Principal(result.id)

        async def org(self, owner: Principal, slug: str = "org") -> Actor:
            org = await CreateOrganization(self.uow, self.clock).execute(owner, CreateOrganizationCommand("Org", slug))
            return Actor(owner.user_id, org.id, Role.OWNER)

        async def join(self, admin: Actor, who: Principal, email: str, role: Role = Role.MEMBER) -> Actor:
            invite = await InviteMember(self.uow, self.codec, self.clock).execute(
                admin, InviteMemberCommand(email, role)
            )
            await AcceptInvitation(self.uow, self.codec, self.clock, Entitlements(self.uow)).execute(who, invite.token)
            return Actor(who.user_id, admin.organization_id, role)

    return World()


async def test_register_twice_conflicts_and_nothing_is_written(world) -> None:
    await world.user("a@x.io")
    with pytest.raises(Conflict):
        await world.user("A@x.io")
    assert len(world.store.users) == 1
    assert sorted(e.name for e in world.store.outbox) == ["user.email_verification_requested", "user.registered"]


async def test_weak_password_is_refused(world) -> None:
    with pytest.raises(InvalidInput):
        await RegisterUser(
            world.uow, world.hasher, world.clock, HmacAccountTokenCodec("k"), ZxcvbnCommonPasswords()
        ).execute(RegisterUserCommand("a@x.io", "short", "A"))
    assert world.store.users == {}


async def test_login_logout_and_authentication(world) -> None:
    await world.user("a@x.io")
    login = LogIn(world.uow, world.hasher, world.clock)
    with pytest.raises(AuthenticationFailed):
        await login.execute(LogInCommand("a@x.io", "wrong-password"))
    with pytest.raises(AuthenticationFailed):
        await login.execute(LogInCommand("nobody@x.io", "a long passphrase"))
    issued = await login.execute(LogInCommand("a@x.io", "a long passphrase"))
    auth = MemoryAuthenticator(world.store, world.clock)
    assert (await auth.authenticate(hash_token(issued.access_token), None)).actor is None
    await LogOut(world.uow, world.clock).execute(issued.access_token)
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate(hash_token(issued.access_token), None)


async def test_tokens_expire(world) -> None:
    await world.user("a@x.io")
    issued = await LogIn(world.uow, world.hasher, world.clock).execute(LogInCommand("a@x.io", "a long passphrase"))
    world.clock.advance(timedelta(hours=13))
    with pytest.raises(AuthenticationFailed):
        await MemoryAuthenticator(world.store, world.clock).authenticate(hash_token(issued.access_token), None)


async def test_organization_members_roles_and_the_last_owner(world) -> None:
    owner = await world.org(await world.user("o@x.io"))
    world.clock.advance(timedelta(seconds=1))  # members list in order of joining
    bob = await world.join(owner, await world.user("b@x.io"), "b@x.io")
    page = await ListMembers(MemoryMemberQueries(world.store)).execute(bob, ListMembersQuery(limit=1))
    assert len(page.items) == 1 and page.next_cursor
    rest = await ListMembers(MemoryMemberQueries(world.store)).execute(bob, ListMembersQuery(cursor=page.next_cursor))
    assert [m.user_id for m in rest.items] == [bob.user_id] and rest.next_cursor is None

    with pytest.raises(PermissionDenied):
        await ChangeMemberRole(world.uow).execute(bob, ChangeMemberRoleCommand(owner.user_id, Role.MEMBER))
    with pytest.raises(Conflict):
        await ChangeMemberRole(world.uow).execute(owner, ChangeMemberRoleCommand(owner.user_id, Role.ADMIN))
    with pytest.raises(Conflict):
        await RemoveMember(world.uow).execute(owner, owner.user_id)
    await ChangeMemberRole(world.uow).execute(owner, ChangeMemberRoleCommand(bob.user_id, Role.ADMIN))
    await RemoveMember(world.uow).execute(owner, bob.user_id)
    with pytest.raises(NotFound):
        await RemoveMember(world.uow).execute(owner, bob.user_id)
    audit = [e.name for e in world.store.audit_log]
    assert audit[-2:] == ["member.role_changed", "member.removed"]


async def test_invitations_are_single_use_and_expire(world) -> None:
    owner = await world.org(await world.user("o@x.io"))
    invite = InviteMember(world.uow, world.codec, world.clock)
    accept = AcceptInvitation(world.uow, world.codec, world.clock, Entitlements(world.uow))
    first = await invite.execute(owner, InviteMemberCommand("b@x.io", Role.MEMBER))
    bob = await world.user("b@x.io")
    await accept.execute(bob, first.token)
    carol = await world.user("c@x.io")
    with pytest.raises(InvalidToken):
        await accept.execute(carol, first.token)  # used
    late = await invite.execute(owner, InviteMemberCommand("c@x.io", Role.MEMBER))
    world.clock.advance(timedelta(days=8))
    with pytest.raises(InvalidToken):
        await accept.execute(carol, late.token)
    with pytest.raises(InvalidToken):
        await accept.execute(carol, late.token[:-3] + "abc")
    assert {m.user_id for m in world.store.memberships.values()} == {owner.user_id, bob.user_id}


async def test_me_lists_memberships(world) -> None:
    me = await world.user("o@x.io")
    a = await world.org(me, "a")
    b = await world.org(me, "b")
    view = await GetMe(MemoryUserQueries(world.store)).execute(me)
    assert {m.organization_id for m in view.memberships} == {a.organization_id, b.organization_id}
