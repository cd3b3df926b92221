"""Benchmark: one announcement to an organization of 10,000 members, until every email is accepted by SMTP.

    .venv/bin/python bench/announcement_fanout.py [--members 10000]

One run: a throw-away database (chapterhouse_bench_ann_<pid>) on the server of DATABASE_URL (an admin URL;
default postgresql://postgres@127.0.0.1:5432/postgres), migrated by this checkout; --members members seeded
with COPY; Redis from REDIS_URL (default redis://127.0.0.1:6379/0) on a queue of its own; an SMTP sink
(aiosmtpd, in a thread of this process) that counts accepted messages; one worker process
(`chapterhouse worker`: relay, fan-out, batch jobs of 500 recipients, one SMTP connection per batch),
warmed up (a one-member announcement) before the clock starts. The clock runs from the announcement's use
case (the request's work: one outbox row) until the sink accepted one email per member. It prints the
duration and emails/s, and the in-app notifications stored. Not a test: run it by hand, on a quiet machine.
aiosmtpd is pure Python: measured here, it accepts ~270 messages/s from one aiosmtplib connection when both
share a process, so the sink, not the fan-out, sets the ceiling of this figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from aiosmtpd.controller import Controller  # noqa: E402
from scripts import services  # noqa: E402
from summary import emit  # noqa: E402

from adapters.email import EmailTemplates, SmtpEmailSender  # noqa: E402
from application.announcements import PostAnnouncement, PostAnnouncementCommand  # noqa: E402
from domain.announcements import Audience  # noqa: E402
from domain.permissions import Actor, Role  # noqa: E402
from entrypoints import database  # noqa: E402
from entrypoints.container import build_container  # noqa: E402
from entrypoints.settings import Environment, Settings, asyncpg_url  # noqa: E402

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-secret-key-that-is-long-enough-0123456789"


class CountingSink:
    def __init__(self) -> None:
        self.accepted = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.accepted += len(envelope.rcpt_tos)
        return "250 OK"




async def seed(owner_url: str, members: int) -> tuple[uuid.UUID, uuid.UUID]:
    conn = await asyncpg.connect(asyncpg_url(owner_url))
    try:
        now = datetime.now(UTC)
        org_id, owner_id = uuid.uuid4(), uuid.uuid4()
        users = [(owner_id, f"owner-{org_id.hex[:8]}@example.com", "Owner", "x", now)]
        users += [
            (uuid.uuid4(), f"member{n}-{org_id.hex[:8]}@example.com", f"Member {n}", "x", now)
            for n in range(members - 1)
        ]
        await conn.execute(
            "INSERT INTO organizations (id, name, slug, created_at) VALUES ($1, 'Bench', $2, $3)",
            org_id,
            f"bench-{org_id.hex[:12]}",
            now,
        )
        await conn.copy_records_to_table(
            "users", records=users, columns=["id", "email", "name", "password_hash", "created_at"]
        )
        await conn.copy_records_to_table(
            "memberships",
            records=[(org_id, u[0], "owner" if u[0] == owner_id else "member", now) for u in users],
            columns=["organization_id", "user_id", "role", "joined_at"],
        )
        return org_id, owner_id
    finally:
        await conn.close()


def start_worker(owner_url: str, redis_url: str, smtp_port: int, queue: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": owner_url,
        "REDIS_URL": redis_url,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "JOB_QUEUE": queue,
        "SECRET_KEY": SECRET,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "worker"], cwd=ROOT, env=env)


async def smtp_floor(sink: CountingSink, port: int, count: int) -> float:
    """What the sink itself accepts: one aiosmtplib connection sending ``count`` rendered announcements."""
    templates = EmailTemplates()
    messages = [
        templates.announcement(to=f"floor{n}@example.com", organization_name="Bench", subject="Floor", body="x")
        for n in range(count)
    ]
    sender = SmtpEmailSender("127.0.0.1", port, "no-reply@chapterhouse.local")
    started = time.perf_counter()
    await sender.send_many(messages)
    return count / (time.perf_counter() - started)


async def wait_for_emails(sink: CountingSink, count: int, worker: subprocess.Popen[bytes]) -> None:
    while sink.accepted < count:  # the sink runs in another thread: polling is simplest
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited with {worker.returncode}")
        await asyncio.sleep(0.01)


async def drop_queue(redis_url: str, queue: str) -> None:
    """The run's stream and its retry keys: nothing of the run stays in Redis."""
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(f"{queue}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def main_async(args: argparse.Namespace) -> int:
    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    name = f"chapterhouse_bench_ann_{os.getpid()}"
    owner_url = database.replace_database(admin_url, name)
    admin = await asyncpg.connect(asyncpg_url(admin_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    sink = CountingSink()
    smtp_port = services.free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    worker: subprocess.Popen[bytes] | None = None
    queue = f"bench-announcements:{uuid.uuid4().hex[:8]}"
    try:
        await asyncio.to_thread(database.upgrade, owner_url)
        org_id, owner_id = await seed(owner_url, args.members)
        warm_org_id, warm_owner_id = await seed(owner_url, 1)
        worker = start_worker(owner_url, redis_url, smtp_port, queue)

        settings = Settings(
            env=Environment.TEST, database_url=owner_url, secret_key=SECRET, redis_url=redis_url, job_queue=queue
        )
        container = build_container(settings)
        try:
            # Warm-up: a one-member announcement, so connection pools and the worker's first-use costs are
            # paid before the clock starts.
            async with container() as request:
                post = await request.get(PostAnnouncement)
                await post.execute(
                    Actor(warm_owner_id, warm_org_id, Role.OWNER),
                    PostAnnouncementCommand(Audience.ORG, None, "Warm-up", "Hello."),
                )
            await wait_for_emails(sink, 1, worker)
            sink.accepted = 0

            started = time.perf_counter()
            async with container() as request:
                post = await request.get(PostAnnouncement)
                await post.execute(
                    Actor(owner_id, org_id, Role.OWNER),
                    PostAnnouncementCommand(Audience.ORG, None, "Benchmark", "Ten thousand inboxes."),
                )
            accepted_at = time.perf_counter()
            await wait_for_emails(sink, args.members, worker)
            elapsed = time.perf_counter() - started
        finally:
            await container.close()
        conn = await asyncpg.connect(asyncpg_url(owner_url))
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.organization_id', $1, true)", str(org_id))
            notifications = await conn.fetchval("SELECT count(*) FROM notifications WHERE organization_id = $1", org_id)
        await conn.close()
        print(f"announcement to {args.members} members (batches of 500, one worker process)")
        print(f"  request (use case, one outbox row): {(accepted_at - started) * 1000:.1f} ms")
        print(f"  until every email was accepted by SMTP: {elapsed:.2f} s  ({args.members / elapsed:,.0f} emails/s)")
        print(f"  in-app notifications stored: {notifications}")
        floor = await smtp_floor(sink, smtp_port, min(args.members, 2000))
        print(f"  floor: the same sink fed by one SMTP connection from this process: {floor:,.0f} emails/s")
        emit(
            "announcement_fanout",
            [
                {
                    "target": "smtp sink floor (one connection)",
                    "baseline": True,
                    "throughput": floor,
                    "unit": "emails/s",
                },
                {
                    "target": f"announcement to {args.members} members",
                    "throughput": args.members / elapsed,
                    "unit": "emails/s",
                    "ratio": (args.members / elapsed) / floor,
                    "note": f"{elapsed:.1f} s until every email was accepted; {notifications} notifications",
                },
            ],
        )
        return 0
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=20)
        controller.stop()
        await drop_queue(redis_url, queue)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
