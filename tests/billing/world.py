"""Use cases of billing wired on the in-memory adapters, with helpers that act like users."""

from __future__ import annotations

import uuid
from typing import Any

from adapters.memory.payments import MemoryPaymentGateway
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.security.tokens import HmacInvitationTokenCodec
from application.billing import ChangeSubscription, Entitlements, GetSubscription, ListPlans
from application.identity import RegisterUser, RegisterUserCommand
from application.invitations import AcceptInvitation, InviteMember, InviteMemberCommand
from application.organizations import CreateOrganization, CreateOrganizationCommand
from application.webhooks import ProcessStripeWebhook, default_webhook_handlers
from domain.permissions import Actor, Principal, Role
from tests.fixtures.doubles import FixedClock

WEBHOOK_SECRET = "whsec_billing_tests"


class FastHasher:
    def hash(self, password: str) -> str:
        return "h:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "h:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False


class BillingWorld:
    def __init__(self) -> None:
        self.store = MemoryStore()
        self.clock = FixedClock()
        self.uow: Any = MemoryUnitOfWorkFactory(self.store)
        self.codec = HmacInvitationTokenCodec("k")
        self.gateway = MemoryPaymentGateway(WEBHOOK_SECRET, clock=lambda: self.clock.now().timestamp())
        self.entitlements = Entitlements(self.uow)
        self.list_plans = ListPlans(self.uow)
        self.get_subscription = GetSubscription(self.uow)
        self.change_subscription = ChangeSubscription(self.uow, self.gateway, self.clock)
        self.process_webhook = ProcessStripeWebhook(
            self.uow, self.gateway, default_webhook_handlers(self.clock), self.clock
        )

    async def user(self, name: str | None = None) -> Principal:
        email = f"{name or uuid.uuid4().hex[:10]}@example.com"
        result = await RegisterUser(self.uow, FastHasher(), self.clock).execute(
            RegisterUserCommand(email=email, password="password123", name="Someone")
        )
        return Principal(result.id)

    async def org(self, owner: Principal | None = None) -> Actor:
        owner = owner or await self.user()
        org = await CreateOrganization(self.uow, self.clock).execute(
            owner, CreateOrganizationCommand("Org", f"org-{uuid.uuid4().hex[:12]}")
        )
        return Actor(owner.user_id, org.id, Role.OWNER)

    async def join(self, admin: Actor, role: Role = Role.MEMBER) -> Actor:
        who = await self.user()
        email = self.store.users[who.user_id].email
        invite = await InviteMember(self.uow, self.codec, self.clock).execute(admin, InviteMemberCommand(email, role))
        await AcceptInvitation(self.uow, self.codec, self.clock, self.entitlements).execute(who, invite.token)
        return Actor(who.user_id, admin.organization_id, role)
