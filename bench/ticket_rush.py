"""Benchmark: a ticket rush through the full API (2 API processes) against the database floor.

    .venv/bin/python bench/ticket_rush.py [--attempts 1000] [--seats 100] [--connections 200]
        [--client raw|httpx]

One run: creates a throw-away database (chapterhouse_bench_<pid>) on the server of DATABASE_URL (an admin
URL; default postgresql://postgres@127.0.0.1:5432/postgres), migrates it (`chapterhouse db upgrade`), starts
two API processes (`chapterhouse serve`, this checkout's src), seeds an organization, a published event and
a free ticket type of --seats seats through the HTTP API, then fires --attempts one-seat orders at once,
alternating between the two processes. It prints sold (must equal --seats), attempts/s, p50/p99 — and,
in the same run, the floor: the same attempts straight on asyncpg (no HTTP, auth, RLS, audit or outbox),
(1) with a row lock (BEGIN; SELECT ... FOR UPDATE; UPDATE; INSERT; COMMIT) and (2) with a single
conditional UPDATE. Goal: the API at >= 0.5x the row-lock floor. Servers stop and the database is
dropped on the way out, whatever happens. Not a test: run it by hand, on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from scripts import services  # noqa: E402
from summary import emit  # noqa: E402  (bench/summary.py: the line make bench collects)

from adapters.security.tokens import HmacInvitationTokenCodec  # noqa: E402
from entrypoints.settings import APP_ROLE, as_role, asyncpg_url  # noqa: E402

CHAPTERHOUSE = str(Path(sys.executable).parent / "chapterhouse")
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PASSWORD = "bench-password-123"
GOAL_RATIO = 0.5


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def with_database(url: str, database: str) -> str:
    head, sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0] if head.count("/") > 2 else head
    return f"{base}/{database}{sep}{query}"




def child_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DATABASE_URL": database_url,
        "APP_ENV": "test",
        "SECRET_KEY": SECRET,
        "AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_SIZE": os.environ.get("BENCH_DB_POOL_SIZE", "10"),
    }


def start_server(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = services.free_port()
    process = subprocess.Popen(
        [CHAPTERHOUSE, "serve", "--port", str(port)],
        env=child_env(database_url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with suppress(httpx.HTTPError):
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        if process.poll() is not None:
            raise RuntimeError("the API process exited at start-up")
        time.sleep(0.1)
    raise RuntimeError("the API process did not start")


def stop(servers: list[subprocess.Popen[bytes]]) -> None:
    for process in servers:
        process.terminate()
    for process in servers:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def seed(base: str, seats: int, buyers: int) -> tuple[str, str, str, list[dict[str, str]]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:

        async def account() -> tuple[str, dict[str, str]]:
            email = f"b{uuid.uuid4().hex[:12]}@example.com"
            await http.post("/api/auth/register", json={"email": email, "password": PASSWORD, "name": "Buyer"})
            token = (await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})).json()
            return email, {"Authorization": f"Bearer {token['access_token']}"}

        _, owner = await account()
        org_id = (
            await http.post("/api/orgs", json={"name": "Rush", "slug": f"rush-{uuid.uuid4().hex[:8]}"}, headers=owner)
        ).json()["id"]
        starts = datetime.now(UTC) + timedelta(days=30)
        event = {
            "title": "Rush",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "timezone": "UTC",
        }
        event_id = (await http.post(f"/api/orgs/{org_id}/events", json=event, headers=owner)).json()["id"]
        ticket_type = await http.post(
            f"/api/orgs/{org_id}/events/{event_id}/ticket-types",
            json={"name": "Seat", "price_cents": 0, "currency": "EUR", "quantity": seats, "max_per_order": 1},
            headers=owner,
        )
        ticket_type_id = ticket_type.json()["id"]
        await http.post(f"/api/orgs/{org_id}/events/{event_id}/publish", headers=owner)
        codec = HmacInvitationTokenCodec(SECRET)
        members = [owner]
        for _ in range(buyers - 1):
            email, headers = await account()
            invitation = await http.post(f"/api/orgs/{org_id}/invitations", json={"email": email}, headers=owner)
            token = codec.encode(uuid.UUID(org_id), uuid.UUID(invitation.json()["id"]))
            await http.post(f"/api/invitations/{token}/accept", headers=headers)
            members.append(headers)
    return org_id, event_id, ticket_type_id, members


class RawHttpClient:
    """A bare HTTP/1.1 keep-alive client (asyncio streams, Content-Length bodies only): a pool of up to
    `connections` sockets to one server. httpx spends ~13 ms of CPU per request here — more than the two
    API processes together — so with httpx the rush measured the client; this one costs a fraction."""

    def __init__(self, base: str, connections: int) -> None:
        host_port = base.removeprefix("http://")
        self._host, port = host_port.split(":")
        self._port = int(port)
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._slots = asyncio.Semaphore(connections)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        async with self._slots:
            if self._idle:
                reader, writer = self._idle.pop()
            else:
                reader, writer = await asyncio.open_connection(self._host, self._port)
            extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: {self._host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n{extra}\r\n".encode()
                + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            self._idle.append((reader, writer))
            return status

    async def aclose(self) -> None:
        for _, writer in self._idle:
            writer.close()


async def warm_up(bases: list[str], org_id: str, event_id: str, members: list[dict[str, str]]) -> None:
    """One read through each process (auth, a unit of work, the read side): the one-time costs of a fresh
    process (ORM mapper configuration, first statement compiles) stay out of the timed rush, as the floor's
    pool is opened before its rush too."""
    for base in bases:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            response = await http.get(f"/api/orgs/{org_id}/events/{event_id}/ticket-types", headers=members[0])
            response.raise_for_status()


async def rush_api(
    bases: list[str], attempts: int, connections: int, seats: int, buyers: int, client: str
) -> dict[str, object]:
    org_id, event_id, ticket_type_id, members = await seed(bases[0], seats, buyers)
    await warm_up(bases, org_id, event_id, members)
    if client == "raw":
        return await _rush_raw(bases, attempts, connections, org_id, event_id, ticket_type_id, members)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    clients = [httpx.AsyncClient(base_url=b, limits=limits, timeout=120) for b in bases]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    start = asyncio.Event()

    async def attempt(i: int) -> None:
        await start.wait()
        began = time.perf_counter()
        response = await clients[i % len(clients)].post(
            f"/api/orgs/{org_id}/events/{event_id}/orders",
            json={"items": [{"ticket_type_id": ticket_type_id, "quantity": 1}]},
            headers=members[i % len(members)],
        )
        latencies.append((time.perf_counter() - began) * 1000)
        statuses[response.status_code] += 1

    tasks = [asyncio.create_task(attempt(i)) for i in range(attempts)]
    await asyncio.sleep(0.2)
    began = time.perf_counter()
    cpu_began = time.process_time()
    start.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    log(f"client CPU during the rush: {time.process_time() - cpu_began:.1f} s of {elapsed:.1f} s")
    for client in clients:
        await client.aclose()
    return {
        "org_id": org_id,
        "event_id": event_id,
        "statuses": dict(statuses),
        "elapsed": elapsed,
        "latencies": latencies,
    }


async def _rush_raw(
    bases: list[str],
    attempts: int,
    connections: int,
    org_id: str,
    event_id: str,
    ticket_type_id: str,
    members: list[dict[str, str]],
) -> dict[str, object]:
    clients = [RawHttpClient(b, connections) for b in bases]
    path = f"/api/orgs/{org_id}/events/{event_id}/orders"
    body = json.dumps({"items": [{"ticket_type_id": ticket_type_id, "quantity": 1}]}).encode()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    start = asyncio.Event()

    async def attempt(i: int) -> None:
        await start.wait()
        began = time.perf_counter()
        status = await clients[i % len(clients)].post(path, body, members[i % len(members)])
        latencies.append((time.perf_counter() - began) * 1000)
        statuses[status] += 1

    tasks = [asyncio.create_task(attempt(i)) for i in range(attempts)]
    await asyncio.sleep(0.2)
    began = time.perf_counter()
    cpu_began = time.process_time()
    start.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    log(f"client CPU during the rush: {time.process_time() - cpu_began:.1f} s of {elapsed:.1f} s")
    for client in clients:
        await client.aclose()
    return {
        "org_id": org_id,
        "event_id": event_id,
        "statuses": dict(statuses),
        "elapsed": elapsed,
        "latencies": latencies,
    }


async def rush_floor(
    app_url: str, org_id: str, event_id: str, attempts: int, seats: int, *, locked: bool
) -> dict[str, object]:
    """The same attempts on asyncpg: one transaction each, on a new ticket type of the same event."""
    org, event = uuid.UUID(org_id), uuid.UUID(event_id)
    # As many connections as the two API processes' write pools.
    size = 2 * int(os.environ.get("BENCH_DB_POOL_SIZE", "10"))
    pool = await asyncpg.create_pool(app_url, min_size=size, max_size=size)
    ticket_type_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.organization_id', $1, true)", org_id)
        await conn.execute(
            """INSERT INTO ticket_types (organization_id, id, event_id, name, price_cents, currency, quantity,
                   reserved, max_per_order, created_at) VALUES ($1, $2, $3, 'Floor', 0, 'EUR', $4, 0, 1, now())""",
            org,
            ticket_type_id,
            event,
            seats,
        )
    buyer = await pool.fetchval("SELECT id FROM users LIMIT 1")
    latencies: list[float] = []
    sold = 0
    start = asyncio.Event()

    async def attempt() -> None:
        nonlocal sold
        await start.wait()
        began = time.perf_counter()
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT set_config('app.organization_id', $1, true)", org_id)
            if locked:
                row = await conn.fetchrow(
                    "SELECT reserved, quantity FROM ticket_types WHERE organization_id = $1 AND id = $2 FOR UPDATE",
                    org,
                    ticket_type_id,
                )
                ok = row["reserved"] < row["quantity"]
                if ok:
                    await conn.execute(
                        "UPDATE ticket_types SET reserved = reserved + 1 WHERE organization_id = $1 AND id = $2",
                        org,
                        ticket_type_id,
                    )
            else:
                ok = (
                    await conn.fetchval(
                        """UPDATE ticket_types SET reserved = reserved + 1
                           WHERE organization_id = $1 AND id = $2 AND reserved < quantity RETURNING 1""",
                        org,
                        ticket_type_id,
                    )
                    is not None
                )
            if ok:
                await conn.execute(
                    """INSERT INTO orders (organization_id, id, event_id, buyer_id, currency, total_cents, status,
                           created_at) VALUES ($1, $2, $3, $4, 'EUR', 0, 'paid', now())""",
                    org,
                    uuid.uuid4(),
                    event,
                    buyer,
                )
                sold += 1
        latencies.append((time.perf_counter() - began) * 1000)

    tasks = [asyncio.create_task(attempt()) for _ in range(attempts)]
    await asyncio.sleep(0.2)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    await pool.close()
    return {"sold": sold, "elapsed": elapsed, "latencies": latencies}


async def sold_through_api(owner_url: str, org_id: str, event_id: str) -> int:
    conn = await asyncpg.connect(owner_url)
    try:
        await conn.execute("SELECT set_config('app.organization_id', $1, false)", org_id)
        seats = await conn.fetchval(
            """SELECT coalesce(sum(i.quantity), 0) FROM orders o
               JOIN order_items i ON i.organization_id = o.organization_id AND i.order_id = o.id
               WHERE o.organization_id = $1 AND o.event_id = $2 AND o.status IN ('pending', 'paid')""",
            uuid.UUID(org_id),
            uuid.UUID(event_id),
        )
        return int(seats)
    finally:
        await conn.close()


def row(name: str, sold: int, attempts: int, elapsed: float, latencies: list[float]) -> str:
    return (
        f"| {name} | {sold} | {attempts / elapsed:,.0f} | {statistics.median(latencies):.1f} | "
        f"{percentile(latencies, 0.99):.1f} |"
    )


async def main_async(args: argparse.Namespace) -> int:
    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    database = f"chapterhouse_bench_{os.getpid()}"
    owner_url = with_database(admin_url, database)
    admin = await asyncpg.connect(asyncpg_url(admin_url))
    await admin.execute(f'CREATE DATABASE "{database}"')
    servers: list[subprocess.Popen[bytes]] = []
    try:
        log(f"migrating {database}")
        await asyncio.to_thread(
            subprocess.run, [CHAPTERHOUSE, "db", "upgrade"], env=child_env(owner_url), cwd=ROOT, check=True
        )
        for _ in range(2):
            process, base = await asyncio.to_thread(start_server, owner_url)
            servers.append(process)
            args.bases.append(base)
        log(f"API processes at {', '.join(args.bases)}; seeding and rushing {args.attempts} attempts")
        api = await rush_api(args.bases, args.attempts, args.connections, args.seats, args.buyers, args.client)
        sold = await sold_through_api(asyncpg_url(owner_url), api["org_id"], api["event_id"])  # type: ignore[arg-type]
        stop(servers)  # the floor gets the database to itself
        app_url = asyncpg_url(as_role(owner_url, APP_ROLE))
        log("floor: row lock")
        lock = await rush_floor(app_url, api["org_id"], api["event_id"], args.attempts, args.seats, locked=True)  # type: ignore[arg-type]
        log("floor: single conditional UPDATE")
        update = await rush_floor(app_url, api["org_id"], api["event_id"], args.attempts, args.seats, locked=False)  # type: ignore[arg-type]
    finally:
        stop(servers)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()

    print(
        f"\n{args.attempts} concurrent one-seat orders on {args.seats} seats "
        f"(API: 2 processes, {args.connections} client connections)\n"
    )
    print("| path | sold | attempts/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    print(row("API (auth, RLS, row locks, audit, outbox)", sold, args.attempts, api["elapsed"], api["latencies"]))  # type: ignore[arg-type]
    print(row("floor: asyncpg, row lock", lock["sold"], args.attempts, lock["elapsed"], lock["latencies"]))  # type: ignore[arg-type]
    print(
        row("floor: asyncpg, conditional UPDATE", update["sold"], args.attempts, update["elapsed"], update["latencies"])
    )  # type: ignore[arg-type]
    ratio = lock["elapsed"] / api["elapsed"]  # type: ignore[operator]
    print(f"\nstatuses: {api['statuses']}; API / row-lock floor = {ratio:.2f}x (goal >= {GOAL_RATIO}x)")
    exact = sold == args.seats == lock["sold"] == update["sold"]
    print("sold exactly the seats on every path" if exact else "SOLD COUNT WRONG")
    emit(
        "ticket_rush",
        [
            summary_row("floor: asyncpg, row lock", lock["sold"], args, lock, baseline=True, ratio=1.0),  # type: ignore[arg-type]
            summary_row(
                "floor: asyncpg, conditional UPDATE",
                update["sold"],
                args,
                update,  # type: ignore[arg-type]
                ratio=lock["elapsed"] / update["elapsed"],
            ),  # type: ignore[operator]
            summary_row("API: 2 processes (auth, RLS, locks, audit, outbox)", sold, args, api, ratio=ratio),  # type: ignore[arg-type]
        ],
    )
    return 0 if exact else 1


def summary_row(
    target: str, sold: int, args: argparse.Namespace, run: dict[str, object], *, ratio: float, baseline: bool = False
) -> dict[str, object]:
    latencies: list[float] = run["latencies"]  # type: ignore[assignment]
    return {
        "target": target,
        "baseline": baseline,
        "throughput": args.attempts / run["elapsed"],  # type: ignore[operator]
        "unit": "attempts/s",
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "ratio": ratio,
        "note": f"sold={sold}/{args.seats} of {args.attempts} attempts",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--connections", type=int, default=200, help="client connections per API process")
    parser.add_argument("--buyers", type=int, default=10, help="members placing the orders")
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="client of the rush: raw (a bare keep-alive client, cheap) or httpx (CPU-bound here: measures itself)",
    )
    args = parser.parse_args()
    args.bases = []
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
