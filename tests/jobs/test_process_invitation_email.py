"""End to end on real services: HTTP request -> outbox row -> relay -> Redis Streams -> worker -> SMTP server."""

from __future__ import annotations

import uuid

from litestar.testing import AsyncTestClient

from adapters.security.tokens import HmacInvitationTokenCodec
from entrypoints.app import create_app
from entrypoints.jobs import JobRunner
from entrypoints.settings import Settings
from tests.fixtures.api import TEST_SECRET, register
from tests.fixtures.jobs import SmtpSink, eventually


async def test_an_invitation_reaches_the_invitee_through_the_worker(
    job_settings: Settings, smtp_sink: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp_sink
    async with AsyncTestClient(app=create_app(job_settings)) as client:
        admin = await register(client, name="Grace Admin")
        org = await admin.create_org("Harbour Rowing")
        invitee = f"invitee-{uuid.uuid4().hex[:8]}@example.com"
        response = await client.post(
            f"/api/orgs/{org['id']}/invitations", json={"email": invitee, "role": "admin"}, headers=admin.headers
        )
        assert response.status_code == 201, response.text
        token = HmacInvitationTokenCodec(TEST_SECRET).encode(uuid.UUID(org["id"]), uuid.UUID(response.json()["id"]))

        async with JobRunner(job_settings).running():
            await eventually(lambda: len(sink.to(invitee)) == 1, what="the invitation email")

        [message] = sink.to(invitee)
        assert message["To"] == invitee
        assert message["Subject"] == "Grace Admin invited you to join Harbour Rowing"
        text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert f"{job_settings.public_url}/invitations/{token}/accept" in text
        assert "as admin" in text
        html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
        assert "<strong>Harbour Rowing</strong>" in html
