"""Soak on loopback: 2 API processes, a worker and the scheduler under mixed traffic for --minutes (default 10).

Traffic: sign-ups, reads, orders (a third of them sent twice with the same Idempotency-Key, as a client retry),
chat posted over HTTP to 200 open sockets, announcements, signed Stripe webhooks (half of them delivered twice).
Then, with SQL as the database owner and the SMTP sink: no 5xx, every effect present exactly once, every
socket got every message once; the RSS of each process flat within 10 % over the last half; p99 per route.

Run: `make soak` (or `.venv/bin/python scripts/soak.py --minutes 3`). Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `scripts.services`
sys.path.insert(0, str(Path(__file__).resolve().parent))  # `chaos`, which puts src/ on the path

import asyncpg
import httpx
import stripe
import websockets
from aiosmtpd.controller import Controller
from chaos import (
    ROOT,
    Check,
    Cluster,
    SmtpSink,
    World,
    admin_url,
    create_database,
    drop_database,
    print_table,
    seed,
    settle,
    stop,
)
from scripts.services import free_port

from entrypoints import database
from entrypoints.settings import asyncpg_url

WEBHOOK_SECRET = "whsec_soak_" + uuid.uuid4().hex


def log(text: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {text}", flush=True)


SOCKETS = 200


class SoakCluster(Cluster):
    scheduler: subprocess.Popen[bytes] | None = None

    def _env(self) -> dict[str, str]:
        return {**super()._env(), "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "DB_POOL_SIZE": "8"}

    def start_scheduler(self) -> None:
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "scheduler"],
            env=self._env(),
            cwd=ROOT,
            stdout=self._log("scheduler"),
            stderr=subprocess.STDOUT,
        )

    def processes(self) -> dict[str, subprocess.Popen[bytes] | None]:
        return {"api1": self.apis[0], "api2": self.apis[1], "worker": self.worker, "scheduler": self.scheduler}

    def stop_all(self) -> None:
        stop(self.scheduler)
        super().stop_all()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Soak:
    def __init__(self, cluster: SoakCluster, world: World, seconds: float) -> None:
        self.cluster, self.world, self.seconds = cluster, world, seconds
        # Idle connections are dropped before the servers' keep-alive timeout (5 s), so none is reused as it closes.
        self.client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=100, keepalive_expiry=2.0))
        self.latency: defaultdict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.errors: Counter[str] = Counter()
        self.signups: list[str] = []
        self.orders: dict[str, set[str]] = defaultdict(set)  # Idempotency-Key -> order ids answered
        self.messages: list[str] = []
        self.announcements: list[str] = []
        self.webhooks: set[str] = set()
        self.received: list[Counter[str]] = [Counter() for _ in range(SOCKETS)]
        self.rss: dict[str, list[tuple[float, int]]] = defaultdict(list)
        self._turn = 0

    async def call(self, route: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        self._turn += 1
        base = f"http://127.0.0.1:{self.cluster.api_ports[self._turn % 2]}"
        started = time.perf_counter()
        try:
            response = await self.client.request(method, base + path, **kwargs)
        except httpx.HTTPError as exc:
            self.errors[f"{route}: {type(exc).__name__}"] += 1
            return None
        self.latency[route].append(time.perf_counter() - started)
        self.statuses[(route, response.status_code)] += 1
        return response

    async def signup(self, index: int) -> None:
        email = f"soak-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": "correct horse battery", "name": "Soak"}
        response = await self.call("POST /api/auth/register", "POST", "/api/auth/register", json=body)
        if response is not None and response.status_code == 201:
            self.signups.append(response.json()["id"])

    async def read(self, index: int) -> None:
        w, user = self.world, random.choice([self.world.owner, *self.world.members])
        routes = [
            ("GET /api/me", "/api/me"),
            ("GET /api/orgs/{org}/events", f"/api/orgs/{w.org_id}/events"),
            ("GET /api/orgs/{org}/channels/{ch}/messages", f"/api/orgs/{w.org_id}/channels/{w.channel_id}/messages"),
        ]
        route, path = routes[index % len(routes)]
        await self.call(route, "GET", path, headers=user.headers)

    async def order(self, index: int) -> None:
        w, buyer = self.world, self.world.members[index % len(self.world.members)]
        key = f"soak-{uuid.uuid4()}"
        path = f"/api/orgs/{w.org_id}/events/{w.event_id}/orders"
        body = {"items": [{"ticket_type_id": w.ticket_type_id, "quantity": 1}]}
        for _ in range(2 if index % 3 == 0 else 1):  # every third order retried with its key
            response = await self.call(
                "POST /api/orgs/{org}/events/{event}/orders",
                "POST",
                path,
                json=body,
                headers={**buyer.headers, "Idempotency-Key": key},
            )
            if response is not None and response.status_code == 201:
                self.orders[key].add(response.json()["id"])

    async def chat(self, index: int) -> None:
        w = self.world
        author = [w.owner, *w.members][index % (len(w.members) + 1)]
        response = await self.call(
            "POST /api/orgs/{org}/channels/{ch}/messages",
            "POST",
            f"/api/orgs/{w.org_id}/channels/{w.channel_id}/messages",
            json={"body": f"soak {index}"},
            headers=author.headers,
        )
        if response is not None and response.status_code == 201:
            self.messages.append(response.json()["id"])

    async def announce(self, index: int) -> None:
        subject = f"Soak bulletin {index} {uuid.uuid4().hex[:6]}"
        response = await self.call(
            "POST /api/orgs/{org}/announcements",
            "POST",
            f"/api/orgs/{self.world.org_id}/announcements",
            json={"audience": "org", "subject": subject, "body": "Still here."},
            headers=self.world.owner.headers,
        )
        if response is not None and response.status_code == 202:
            self.announcements.append(subject)

    async def webhook(self, index: int) -> None:
        event_id = "evt_soak_" + uuid.uuid4().hex
        event = {
            "id": event_id,
            "object": "event",
            "type": "charge.succeeded",
            "created": int(time.time()),
            "data": {"object": {"id": "ch_" + uuid.uuid4().hex[:12], "object": "charge"}},
        }
        payload = json.dumps(event)
        for _ in range(2 if index % 2 == 0 else 1):  # Stripe delivers at least once
            header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
            response = await self.call(
                "POST /api/webhooks/stripe",
                "POST",
                "/api/webhooks/stripe",
                content=payload.encode(),
                headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            )
            if response is not None and response.status_code == 200:
                self.webhooks.add(event_id)

    async def socket(self, index: int, ready: asyncio.Event, stop_at: float) -> None:
        w = self.world
        user = [w.owner, *w.members][index % (len(w.members) + 1)]
        token = user.headers["Authorization"].split()[1]
        port = self.cluster.api_ports[index % 2]
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws?token={token}", max_size=2**20) as ws:
                await ws.send(json.dumps({"type": "subscribe", "channel": w.channel_id}))
                assert json.loads(await ws.recv())["type"] == "subscribed"
                ready.set()
                last_ping = time.monotonic()
                while time.monotonic() < stop_at:
                    if time.monotonic() - last_ping > 20:
                        await ws.send(json.dumps({"type": "ping"}))
                        last_ping = time.monotonic()
                    try:
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                    except TimeoutError:
                        continue
                    if frame.get("type") == "message":
                        self.received[index][frame["id"]] += 1
        except Exception as exc:  # a dropped socket is a finding, reported below
            self.errors[f"socket: {type(exc).__name__}"] += 1

    async def every(self, interval: float, action: Any, end: float) -> None:
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

    async def sample_rss(self, end: float) -> None:
        start = time.monotonic()
        while time.monotonic() < end:
            for name, proc in self.cluster.processes().items():
                if proc is not None and proc.poll() is None:
                    self.rss[name].append((time.monotonic() - start, rss_kib(proc.pid)))
            await asyncio.sleep(5)

    async def run(self) -> None:
        start = time.monotonic()
        end = start + self.seconds
        readies = [asyncio.Event() for _ in range(SOCKETS)]
        sockets = [asyncio.create_task(self.socket(i, readies[i], end + 8)) for i in range(SOCKETS)]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        log(f"{SOCKETS} sockets subscribed; traffic for {self.seconds / 60:.1f} min")
        await asyncio.gather(
            self.sample_rss(end),
            self.every(1.0, self.signup, end),
            self.every(0.05, self.read, end),
            self.every(0.4, self.order, end),
            self.every(0.5, self.chat, end),
            self.every(20.0, self.announce, end),
            self.every(1.0, self.webhook, end),
        )
        await asyncio.gather(*sockets)
        await self.client.aclose()


async def scenario(cluster: SoakCluster, sink: SmtpSink, seconds: float) -> tuple[list[Check], str]:
    from soak_checks import effects, p99_table, rss_rows

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cluster.api_ports[1]}", timeout=30) as client:
        world = await seed(client)
        # Seats enough for the whole run: the soak is about effects and leaks, not about selling out.
        owner = world.owner
        response = await client.post(
            f"/api/orgs/{world.org_id}/events/{world.event_id}/ticket-types",
            headers=owner.headers,
            json={"name": "Soak", "price_cents": 0, "currency": "EUR", "quantity": 100_000},
        )
        response.raise_for_status()
        world.ticket_type_id = response.json()["id"]
    soak = Soak(cluster, world, seconds)
    await soak.run()
    conn = await asyncpg.connect(asyncpg_url(cluster.database_url))
    try:
        waited = await settle(conn, sink, cluster.redis_port)
        log(f"settled after {waited:.0f}s")
        rows = await effects(conn, soak, sink)
    finally:
        await conn.close()
    rows += rss_rows(soak.rss)
    return [Check(*row) for row in rows], p99_table(soak.latency, soak.statuses)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="chapterhouse-soak-"))
    (tmp / "redis").mkdir()
    (tmp / "logs").mkdir()
    database_url: str | None = None
    cluster: SoakCluster | None = None
    controller: Controller | None = None
    try:
        database_url = create_database(admin_url())
        database.upgrade(database_url)
        sink = SmtpSink()
        smtp_port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        cluster = SoakCluster(database_url, free_port(), tmp / "redis", smtp_port, tmp / "logs")
        cluster.start_redis()
        cluster.start_api(0)
        cluster.start_api(1)
        cluster.start_worker()
        cluster.start_scheduler()
        log(f"running: API on ports {cluster.api_ports}, worker, scheduler, Redis, SMTP on {smtp_port}")
        checks, table = asyncio.run(scenario(cluster, sink, args.minutes * 60))
        print_table(checks)
        print(table)
        failed = not all(c.ok for c in checks)
        print("SOAK: " + ("FAILED" if failed else "all checks passed"))
        return 1 if failed else 0
    finally:
        if cluster is not None:
            cluster.stop_all()
        if controller is not None:
            controller.stop()
        if database_url is not None:
            drop_database(database_url)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
