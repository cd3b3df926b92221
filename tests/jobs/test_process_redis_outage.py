"""Redis unreachable while members are invited and an announcement is posted: the requests succeed, and every
email and notification arrives exactly once after Redis is back."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
import uuid
from urllib.parse import urlsplit

import asyncpg
from litestar.testing import AsyncTestClient
from scripts import services

from entrypoints.app import create_app
from entrypoints.jobs import JobRunner
from entrypoints.settings import Settings, asyncpg_url
from tests.fixtures.api import register
from tests.fixtures.jobs import SmtpSink, eventually
from tests.fixtures.ticketing import add_member


class TcpProxy:
    """Stands between the application and Redis; ``cut()`` makes Redis unreachable (refused, dropped).

    It runs its own event loop in a thread: the test client may block the test's loop while a request
    runs, and the request itself talks to Redis through this proxy.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = services.free_port()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    async def open(self) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._open(), self._loop))

    async def cut(self) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._cut(), self._loop))

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _open(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self._writers.update({writer, upstream_writer})
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()


async def unpublished_invitations(settings: Settings, emails: set[str]) -> int:
    conn = await asyncpg.connect(asyncpg_url(settings.runtime_database_url))
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE name = 'invitation.created' AND published_at IS NULL"
                " AND payload->>'email' = ANY($1::text[])",
                list(emails),
            )
        )
    finally:
        await conn.close()


async def test_invitations_made_during_a_redis_outage_are_all_emailed_once_after_it(
    job_settings: Settings, smtp_sink: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp_sink
    redis_parts = urlsplit(job_settings.redis_url or "")
    proxy = TcpProxy(redis_parts.hostname or "127.0.0.1", redis_parts.port or 6379)
    await proxy.open()
    settings = dataclasses.replace(job_settings, redis_url=f"redis://127.0.0.1:{proxy.port}{redis_parts.path or '/0'}")
    emails = {f"outage-{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(50)}

    async with AsyncTestClient(app=create_app(settings)) as client:
        admin = await register(client)
        org = await admin.create_org()
        members = [admin] + [await add_member(admin, org["id"]) for _ in range(3)]
        subject = f"Outage drill {uuid.uuid4().hex[:6]}"
        runner = JobRunner(settings)
        async with runner.running():
            await proxy.cut()  # Redis goes away while the worker and relay are running

            responses = await asyncio.gather(
                *(
                    client.post(
                        f"/api/orgs/{org['id']}/invitations",
                        json={"email": email, "role": "member"},
                        headers=admin.headers,
                    )
                    for email in sorted(emails)
                )
            )
            assert [r.status_code for r in responses] == [201] * 50
            announced = await client.post(
                f"/api/orgs/{org['id']}/announcements",
                json={"audience": "org", "subject": subject, "body": "Nothing was lost."},
                headers=admin.headers,
            )
            assert announced.status_code == 202, announced.text
            # The relay cannot publish: the rows wait in the outbox, nothing is sent.
            assert await unpublished_invitations(settings, emails) == 50
            assert not any(sink.to(email) for email in emails)

            await proxy.open()  # Redis is back
            await eventually(lambda: all(sink.to(email) for email in emails), within=60, what="all 50 emails")
            await eventually(
                lambda: all(_announced(sink, m.email, subject) for m in members), what="the announcement emails"
            )
            await eventually(lambda: _zero(unpublished_invitations(settings, emails)), what="the outbox to drain")

        assert sorted(len(sink.to(email)) for email in emails) == [1] * 50
        assert [_announced(sink, m.email, subject) for m in members] == [1] * len(members)
        for member in members:
            response = await client.get("/api/me/notifications", headers=member.headers)
            assert [n["title"] for n in response.json()["items"]].count(subject) == 1
    await proxy.cut()
    proxy.close()


def _announced(sink: SmtpSink, address: str, subject: str) -> int:
    return sum(1 for message in sink.to(address) if subject in str(message["Subject"]))


async def _zero(count: object) -> bool:
    return await count == 0  # type: ignore[misc]
