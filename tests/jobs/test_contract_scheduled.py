"""Reminders and the invitation purge against the memory twin and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from adapters.email import EmailTemplates
from adapters.memory.email import MemoryEmailSender
from adapters.security.tokens import HmacInvitationTokenCodec
from application.invitations import InviteMember, InviteMemberCommand
from application.scheduled import PurgeExpiredInvitations, SendEventReminders
from domain.permissions import Role
from tests.fixtures.api import TEST_SECRET
from tests.fixtures.backends import Backend
from tests.fixtures.ticketing import place, published_event


async def invitation_exists(b: Backend, organization_id: Any, invitation_id: Any) -> bool:
    if b.store is not None:
        return invitation_id in b.store.invitations
    async with b.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT app_scope($1, NULL)", organization_id)
        return bool(await conn.fetchval("SELECT count(*) FROM invitations WHERE id = $1", invitation_id))


async def test_each_holder_of_a_soon_starting_event_is_reminded_once(backend: Backend) -> None:
    b = backend
    _, (admin, holder, later_holder) = await b.organization(Role.OWNER, Role.MEMBER, Role.MEMBER)
    soon, soon_type = await published_event(b, admin, starts_in=timedelta(hours=20))
    later, later_type = await published_event(b, admin, starts_in=timedelta(days=3))
    assert (await place(b, holder, soon.id, (soon_type.id, 2))).status == "paid"
    assert (await place(b, later_holder, later.id, (later_type.id, 1))).status == "paid"
    sender = MemoryEmailSender()
    remind = SendEventReminders(b.maintenance, b.processed_events, EmailTemplates(), sender, b.clock)

    await asyncio.gather(remind.execute(), remind.execute())
    await remind.execute()

    async with b.uow() as uow:
        holder_email = (await uow.users.get(holder.user_id)).email
        later_email = (await uow.users.get(later_holder.user_id)).email
    assert [m.to for m in sender.sent].count(holder_email) == 1
    assert later_email not in [m.to for m in sender.sent]


async def test_purge_deletes_only_long_expired_unaccepted_invitations(backend: Backend) -> None:
    b = backend
    org_id, (admin,) = await b.organization(Role.OWNER)
    invite = InviteMember(b.uow, HmacInvitationTokenCodec(TEST_SECRET), b.clock)
    b.clock.advance(timedelta(days=-40))
    old = await invite.execute(admin, InviteMemberCommand(email="old@example.com", role=Role.MEMBER))
    b.clock.advance(timedelta(days=40))
    fresh = await invite.execute(admin, InviteMemberCommand(email="fresh@example.com", role=Role.MEMBER))

    await asyncio.gather(
        PurgeExpiredInvitations(b.maintenance, b.clock).execute(),
        PurgeExpiredInvitations(b.maintenance, b.clock).execute(),
    )

    assert not await invitation_exists(b, org_id, old.id)
    assert await invitation_exists(b, org_id, fresh.id)
