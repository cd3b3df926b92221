"""kill -9 the worker a quarter of the way through an announcement: on restart, only what was in flight is
emailed twice (at most the worker's concurrency), and every member gets the email."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from aiosmtpd.controller import Controller
from scripts import services
from scripts.services import ROOT

from domain.announcements import ANNOUNCEMENT_CREATED
from domain.permissions import Role
from entrypoints.settings import Settings, asyncpg_url
from tests.fixtures.backends import Backend
from tests.fixtures.jobs import eventually

MEMBERS = 216
CONCURRENCY = 4


class SlowSink:
    """An SMTP server that takes its time over each message (20 ms), so a kill lands mid-batch."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.02)
        with self._lock:
            self.received.update(envelope.rcpt_tos)
        return "250 OK"

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.received)


@pytest.fixture
def slow_sink() -> Iterator[tuple[SlowSink, int]]:
    sink, port = SlowSink(), services.free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def start_worker(job_settings: Settings, slow_sink: tuple[SlowSink, int]) -> Iterator[Any]:
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "APP_ENV": "test",
            "DATABASE_URL": job_settings.database_url or "",
            "REDIS_URL": job_settings.redis_url or "",
            "SMTP_URL": f"smtp://127.0.0.1:{slow_sink[1]}",
            "JOB_QUEUE": job_settings.job_queue,
            "JOB_REDELIVERY_SECONDS": "2",
            "SECRET_KEY": job_settings.secret_key,
            "DB_POOL_SIZE": "5",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }
        command = [sys.executable, "-m", "entrypoints.cli", "worker", "--concurrency", str(CONCURRENCY)]
        process = subprocess.Popen(command, cwd=ROOT, env=env)
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


async def test_kill_9_mid_announcement_resends_only_what_was_in_flight(
    job_settings: Settings, slow_sink: tuple[SlowSink, int], start_worker: Any, postgres_backend: Backend
) -> None:
    sink = slow_sink[0]
    org, actors = await postgres_backend.organization(Role.OWNER, *[Role.MEMBER] * (MEMBERS - 1))
    owner = await asyncpg.connect(asyncpg_url(job_settings.database_url or ""))
    try:
        emails = {
            r["email"]
            for r in await owner.fetch(
                "SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.organization_id = $1", org
            )
        }
        assert len(emails) == MEMBERS
        announcement_id = uuid.uuid4()
        payload = {
            "announcement_id": str(announcement_id),
            "audience": "org",
            "target_id": None,
            "subject": "General meeting",
            "body": "Friday at eight.",
        }
        await owner.execute(
            "INSERT INTO outbox (id, organization_id, name, payload, actor_id, occurred_at)"
            " VALUES ($1, $2, $3, $4::jsonb, $5, now())",
            uuid.uuid4(),
            org,
            ANNOUNCEMENT_CREATED,
            json.dumps(payload),
            actors[0].user_id,
        )

        first = start_worker()

        def ours() -> int:
            return sum(n for address, n in sink.snapshot().items() if address in emails)

        await eventually(lambda: ours() >= MEMBERS // 4, within=60, what="a quarter sent")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        at_kill = ours()
        assert at_kill < MEMBERS, "the kill must land in the middle of the announcement"

        start_worker()
        await eventually(lambda: set(sink.snapshot()) >= emails, within=120, what="every member emailed")
        await asyncio.sleep(1)  # anything still to come would be a duplicate
        # The worker's relay also drains what other tests left in the (global) outbox: count our members only.
        received = {address: n for address, n in sink.snapshot().items() if address in emails}
        duplicates = sum(n - 1 for n in received.values())
        assert set(received) == emails
        assert duplicates <= CONCURRENCY, f"{duplicates} duplicates after a kill at {at_kill}/{MEMBERS}"
        async with owner.transaction():
            await owner.execute("SELECT set_config('app.organization_id', $1, true)", str(org))
            recorded = await owner.fetchval(
                "SELECT count(*) FROM deliveries WHERE organization_id = $1 AND announcement_id = $2"
                " AND channel = 'email' AND outcome = 'sent'",
                org,
                announcement_id,
            )
        assert recorded == MEMBERS
    finally:
        await owner.close()
