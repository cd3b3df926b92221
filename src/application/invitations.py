"""Use cases of invitations: an admin invites an email address, the invitee accepts with a token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from application.billing import Entitlements
from application.ports.billing import UsageUnitOfWorkFactory
from application.ports.clock import Clock
from application.ports.persistence import UnitOfWorkFactory
from application.ports.security import InvitationTokenCodec
from domain.billing import MAX_MEMBERS
from domain.errors import Conflict, InvalidToken, NotFound
from domain.invitations import Invitation
from domain.permissions import Actor, Principal, Role


@dataclass(frozen=True)
class InviteMemberCommand:
    email: str
    role: Role


@dataclass(frozen=True)
class InvitationResult:
    id: uuid.UUID
    email: str
    role: str
    expires_at: datetime
    token: str


class InviteMember:
    """Stores the invitation; its event (in the outbox) makes the worker send the email with the token."""

    def __init__(self, uow: UnitOfWorkFactory, codec: InvitationTokenCodec, clock: Clock) -> None:
        self._uow, self._codec, self._clock = uow, codec, clock

    async def execute(self, actor: Actor, command: InviteMemberCommand) -> InvitationResult:
        invitation = Invitation.issue(actor, email=command.email, role=command.role, now=self._clock.now())
        token = self._codec.encode(invitation.organization_id, invitation.id)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            await uow.invitations.add(invitation)
            uow.collect(invitation)
            await uow.commit()
        return InvitationResult(
            id=invitation.id,
            email=invitation.email,
            role=invitation.role.value,
            expires_at=invitation.expires_at,
            token=token,
        )


@dataclass(frozen=True)
class AcceptedInvitation:
    organization_id: uuid.UUID
    role: str


class AcceptInvitation:
    """Joins the organization, within its plan's max_members (402 with the limit when it is full)."""

    def __init__(
        self, uow: UsageUnitOfWorkFactory, codec: InvitationTokenCodec, clock: Clock, entitlements: Entitlements
    ) -> None:
        self._uow, self._codec, self._clock = uow, codec, clock
        self._entitlements = entitlements

    async def execute(self, principal: Principal, token: str) -> AcceptedInvitation:
        organization_id, invitation_id = self._codec.decode(token)
        plan = await self._entitlements.plan_of(organization_id)
        async with self._uow(organization_id, principal.user_id) as uow:
            invitation = await uow.invitations.get_for_update(invitation_id)
            if invitation is None:
                raise InvalidToken("this invitation does not exist")
            user = await uow.users.get(principal.user_id)
            if user is None:
                raise NotFound("user not found")
            if await uow.memberships.get(principal.user_id) is not None:
                raise Conflict("you are already a member of this organization")
            membership = invitation.accept(user_id=user.id, user_email=user.email, now=self._clock.now())
            # Counted under the organization's usage lock: two accepts cannot both take the last seat.
            await uow.usage.lock()
            plan.check(MAX_MEMBERS, await uow.usage.count_members())
            await uow.memberships.add(membership)
            uow.collect(invitation, membership)
            await uow.commit()
        return AcceptedInvitation(organization_id=organization_id, role=membership.role.value)
