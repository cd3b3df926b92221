"""Member communications driven by domain events: invitation and order confirmation emails."""

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
from application.ports.ticketing import TicketingUnitOfWorkFactory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublicLinks:
    """Links in emails point at the public URL of the deployment."""

    base_url: str

    def invitation_accept(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/invitations/{quote(token, safe='')}/accept"

    # Account tokens travel in the fragment: browsers never send it, so no access log ever holds one.
    def password_reset(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/account/reset-password#token={quote(token, safe='')}"

    def email_verification(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/account/verify-email#token={quote(token, safe='')}"


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


class SendOrderConfirmation:
    """On a paid order (free at once, or paid later): email the buyer their ticket codes."""

    name = "email.order_confirmation"
    event_names = frozenset({"order.placed", "order.paid"})
    claims_in_transaction = False

    def __init__(self, uow: TicketingUnitOfWorkFactory, composer: EmailComposer, sender: EmailSender) -> None:
        self._uow, self._composer, self._sender = uow, composer, sender

    async def handle(self, event: OutboxEvent) -> None:
        if event.organization_id is None:
            return
        if event.name == "order.placed" and event.payload.get("status") != "paid":
            return  # a pending order is confirmed by its order.paid event
        order_id = uuid.UUID(str(event.payload["order_id"]))
        async with self._uow(event.organization_id) as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                return
            tickets = await uow.tickets.list_for_order(order_id)
            ticketed_event = await uow.events.get(order.event_id)
            buyer = await uow.users.get(order.buyer_id)
        if not tickets or ticketed_event is None or buyer is None:
            return
        await self._sender.send(
            self._composer.order_confirmation(
                to=buyer.email, event_title=ticketed_event.title, ticket_codes=[t.code for t in tickets]
            )
        )
