"""Member communications driven by domain events: invitation emails (announcements join later)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from application.ports.clock import Clock
from application.ports.email import EmailComposer, EmailSender
from application.ports.jobs import OutboxEvent
from application.ports.persistence import UnitOfWorkFactory
from application.ports.security import InvitationTokenCodec

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublicLinks:
    """Links in emails point at the public URL of the deployment."""

    base_url: str

    def invitation_accept(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/invitations/{quote(token, safe='')}/accept"


class SendInvitationEmail:
    """On ``invitation.created``: email the invitee the accept link (same token as the API returned)."""

    name = "email.invitation"
    event_names = frozenset({"invitation.created"})
    claims_in_transaction = False

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        codec: InvitationTokenCodec,
        composer: EmailComposer,
        sender: EmailSender,
        links: PublicLinks,
        clock: Clock,
    ) -> None:
        self._uow, self._codec, self._composer, self._sender = uow, codec, composer, sender
        self._links, self._clock = links, clock

    async def handle(self, event: OutboxEvent) -> None:
        if event.organization_id is None:
            return
        invitation_id = uuid.UUID(str(event.payload["invitation_id"]))
        async with self._uow(event.organization_id) as uow:
            invitation = await uow.invitations.get_for_update(invitation_id)
            organization = await uow.organizations.get(event.organization_id)
            inviter = await uow.users.get(invitation.invited_by) if invitation is not None else None
        if invitation is None or organization is None:
            logger.info("invitation %s is gone; no email", invitation_id)
            return
        if invitation.accepted_at is not None or invitation.expires_at <= self._clock.now():
            logger.info("invitation %s is no longer open; no email", invitation_id)
            return
        token = self._codec.encode(invitation.organization_id, invitation.id)
        message = self._composer.invitation(
            to=invitation.email,
            organization_name=organization.name,
            inviter_name=inviter.name if inviter is not None else "Someone",
            accept_url=self._links.invitation_accept(token),
            role=invitation.role.value,
        )
        await self._sender.send(message)
