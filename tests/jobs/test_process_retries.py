"""A job that keeps failing is retried with backoff, becomes a dead letter, and replays once fixed."""

from __future__ import annotations

import dataclasses
import uuid

from aiosmtpd.controller import Controller
from litestar.testing import AsyncTestClient
from scripts import services

from adapters.queue.retry import RetryMiddleware
from adapters.queue.tasks import DISPATCH_EVENT
from application.ports.jobs import DeadLetter
from entrypoints import jobs
from entrypoints.app import create_app
from entrypoints.jobs import JobRunner
from entrypoints.settings import Settings
from tests.fixtures.api import register
from tests.fixtures.jobs import SmtpSink, eventually


def test_backoff_doubles_and_is_capped() -> None:
    middleware = RetryMiddleware(lambda: None, None, max_attempts=5, base_delay=2.0, max_delay=10.0)  # type: ignore[arg-type]
    assert [middleware.delay_before(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 10.0]


async def test_failing_job_is_retried_then_dead_lettered_then_replayed(job_settings: Settings) -> None:
    smtp_port = services.free_port()  # nothing listens here yet: every send fails
    settings = dataclasses.replace(job_settings, smtp_url=f"smtp://127.0.0.1:{smtp_port}")
    invitee = f"later-{uuid.uuid4().hex[:8]}@example.com"

    async def letter_for_invitee() -> DeadLetter | None:
        for letter in await jobs.list_dead_letters(settings, include_replayed=True):
            if letter.task_name == DISPATCH_EVENT and letter.args[0]["payload"].get("email") == invitee:
                return letter
        return None

    async with AsyncTestClient(app=create_app(settings)) as client:
        admin = await register(client)
        org = await admin.create_org()
        response = await client.post(
            f"/api/orgs/{org['id']}/invitations", json={"email": invitee, "role": "member"}, headers=admin.headers
        )
        assert response.status_code == 201

    runner = JobRunner(settings)
    async with runner.running():
        await eventually(lambda: _is_not_none(letter_for_invitee()), what="the dead letter")
        letter = await letter_for_invitee()
        assert letter is not None
        assert letter.attempts == settings.job_max_attempts
        assert "ConnectionRefusedError" in letter.error or "SMTPConnectError" in letter.error

        sink = SmtpSink()
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        try:
            replayed = await jobs.replay_dead_letter(settings, letter.id)
            assert replayed.id == letter.id
            await eventually(lambda: len(sink.to(invitee)) == 1, what="the replayed email")
        finally:
            controller.stop()

    after = await letter_for_invitee()
    assert after is not None and after.replayed_at is not None
    assert len(sink.to(invitee)) == 1


async def _is_not_none(value: object) -> bool:
    return await value is not None  # type: ignore[misc]
