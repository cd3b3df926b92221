"""Invitation emails on the in-memory wiring: the request stores the event, relay + dispatch send the email."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.memory.email import MemoryEmailSender
from adapters.security.tokens import HmacInvitationTokenCodec
from tests.fixtures.api import TEST_SECRET, register
from tests.fixtures.jobs import run_outbox


async def test_an_invitation_is_emailed_with_the_accept_link_once(memory_client: AsyncTestClient[Litestar]) -> None:
    admin = await register(memory_client, name="Ada Admin")
    org = await admin.create_org("Chess Club")
    response = await memory_client.post(
        f"/api/orgs/{org['id']}/invitations",
        json={"email": "Invitee@Example.com", "role": "member"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    # The token is deterministic: the same one the API's codec would issue for this invitation.
    token = HmacInvitationTokenCodec(TEST_SECRET).encode(uuid.UUID(org["id"]), uuid.UUID(response.json()["id"]))

    await run_outbox(memory_client.app)
    await run_outbox(memory_client.app)  # a second relay round finds nothing left to send

    sender = await memory_client.app.state.dishka_container.get(MemoryEmailSender)
    sent = [m for m in sender.sent if m.to == "invitee@example.com"]  # the admin's verification link aside
    assert len(sent) == 1
    message = sent[0]
    assert message.to == "invitee@example.com"
    assert message.subject == "Ada Admin invited you to join Chess Club"
    assert f"/invitations/{token}/accept" in message.text
    assert message.html is not None and "Chess Club" in message.html
