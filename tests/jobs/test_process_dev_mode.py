"""Dev mode: with no REDIS_URL, the API process relays the outbox and runs the jobs itself."""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.asgi import app_factory
from tests.fixtures.api import TEST_SECRET, register
from tests.fixtures.jobs import SmtpSink, eventually


async def test_an_invitation_is_emailed_by_the_api_process_itself(
    database_url: str, smtp_sink: tuple[SmtpSink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink, port = smtp_sink
    for name, value in {
        "APP_ENV": "dev",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "SMTP_URL": f"smtp://127.0.0.1:{port}",
        "AUTH_RATE_LIMIT_PER_MINUTE": "10000",
        "DB_POOL_SIZE": "5",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)

    async with AsyncTestClient(app=app_factory()) as client:
        admin = await register(client)
        org = await admin.create_org("Dev Club")
        invitee = f"dev-{uuid.uuid4().hex[:8]}@example.com"
        response = await client.post(
            f"/api/orgs/{org['id']}/invitations", json={"email": invitee, "role": "member"}, headers=admin.headers
        )
        assert response.status_code == 201

        await eventually(lambda: len(sink.to(invitee)) == 1, what="the invitation email")
        assert "Dev Club" in str(sink.to(invitee)[0]["Subject"])
