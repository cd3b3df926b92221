"""Invitations: an email and a role, accepted once, before they expire."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.errors import InvalidToken, NotFound, PermissionDenied
from domain.events import Aggregate, DomainEvent
from domain.identity import normalize_email
from domain.ids import new_id
from domain.organizations import Membership
from domain.permissions import Actor, Permission, Role

INVITATION_TTL = timedelta(days=7)


@dataclass(eq=False)
class Invitation(Aggregate):
    organization_id: uuid.UUID
    email: str
    role: Role
    invited_by: uuid.UUID
    created_at: datetime
    expires_at: datetime
    id: uuid.UUID = field(default_factory=new_id)
    accepted_at: datetime | None = None
    accepted_by: uuid.UUID | None = None

    @classmethod
    def issue(cls, actor: Actor, *, email: str, role: Role, now: datetime) -> Invitation:
        actor.require(Permission.MEMBERS_INVITE)
        if role == Role.OWNER and not actor.can(Permission.OWNERSHIP_MANAGE):
            raise PermissionDenied("only an owner may invite an owner")
        invitation = cls(
            organization_id=actor.organization_id,
            email=normalize_email(email),
            role=role,
            invited_by=actor.user_id,
            created_at=now,
            expires_at=now + INVITATION_TTL,
        )
        invitation.record(
            DomainEvent.of(
                "invitation.created",
                actor.organization_id,
                {"invitation_id": str(invitation.id), "email": invitation.email, "role": role.value},
                actor.user_id,
            )
        )
        return invitation

    def accept(self, *, user_id: uuid.UUID, user_email: str, now: datetime) -> Membership:
        if self.accepted_at is not None:
            raise InvalidToken("this invitation has already been used")
        if now >= self.expires_at:
            raise InvalidToken("this invitation has expired")
        if normalize_email(user_email) != self.email:
            # Someone else's invitation is, to this user, an invitation that does not exist.
            raise NotFound("invitation not found")
        self.accepted_at, self.accepted_by = now, user_id
        self.record(
            DomainEvent.of(
                "invitation.accepted",
                self.organization_id,
                {"invitation_id": str(self.id), "user_id": str(user_id), "role": self.role.value},
                user_id,
            )
        )
        return Membership(organization_id=self.organization_id, user_id=user_id, role=self.role, joined_at=now)
